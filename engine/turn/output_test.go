package turn

import "testing"

func TestOutputLine(t *testing.T) {
	tests := []struct {
		out  Output
		want string
	}{
		{Output{Kind: OutText, Text: "Hi"}, "< Hi"},
		{Output{Kind: OutButtons, Buttons: []string{"Yes", "No"}}, "<< buttons Yes | No"},
		{Output{Kind: OutButtons, Buttons: []string{"a | b", `c\d`}}, `<< buttons a \| b | c\\d`},
		{Output{Kind: OutTransfer, Transfer: &Transfer{To: "agent", Skill: "billing"}}, "<< transfer to=agent skill=billing"},
		{Output{Kind: OutTransfer, Transfer: &Transfer{To: "agent", Skill: "Tier 2", Agent: "x=y"}}, `<< transfer to=agent skill="Tier 2" agent="x=y"`},
		{Output{Kind: OutTransfer, Transfer: &Transfer{To: "bot", Bot: "billing-bot"}}, "<< transfer to=bot bot=billing-bot"},
		{Output{Kind: OutClose}, "<< close"},
		{Output{Kind: OutUpload, Accept: []string{"pdf", "png"}}, "<< upload accept=pdf,png"},
	}
	for _, tt := range tests {
		if got := tt.out.Line(); got != tt.want {
			t.Errorf("Line() = %s, want %s", got, tt.want)
		}
	}
}
