package schemacheck

import (
	"testing"

	"github.com/botctl/botctl/engine/load"
	"github.com/botctl/botctl/schema"
)

// The schema has no oneOf or anyOf today (they cost a failed alternative
// per value validated), but choose must stay right if one is added: these
// trees are shaped as the validator builds them.
func TestChoose(t *testing.T) {
	abs := func(frag string) string { return schema.ID + "#" + frag }
	src := "dialogs:\n  d:\n    steps:\n      - {sai: x}\n      - say: {vars.x}\n"
	f, _ := load.Parse("bot.yaml", []byte(src))

	tests := []struct {
		name string
		err  *verr
		want string
	}{
		{
			name: "the alternative of the right type wins",
			err: &verr{
				KeywordLocation: "/x/oneOf", AbsoluteKeywordLocation: abs("/$defs/step/oneOf"),
				InstanceLocation: "/dialogs/d/steps/0",
				Causes: []*verr{
					{KeywordLocation: "/x/oneOf/0/type", AbsoluteKeywordLocation: abs("/$defs/step/oneOf/0/type"),
						InstanceLocation: "/dialogs/d/steps/0", Message: "expected string, but got object"},
					{KeywordLocation: "/x/oneOf/1/$ref", AbsoluteKeywordLocation: abs("/$defs/step/oneOf/1/$ref"),
						InstanceLocation: "/dialogs/d/steps/0", Message: "doesn't validate",
						Causes: []*verr{{
							KeywordLocation: "/x/oneOf/1/$ref/additionalProperties", AbsoluteKeywordLocation: abs("/$defs/step/additionalProperties"),
							InstanceLocation: "/dialogs/d/steps/0", Message: "additionalProperties 'sai' not allowed",
						}}},
				},
			},
			want: "bot.yaml:4:10: error[unknown-key]: step 1 of dialog d: unknown key \"sai\" (did you mean `say`?)\n",
		},
		{
			name: "no alternative of the right type",
			err: &verr{
				KeywordLocation: "/x/oneOf", AbsoluteKeywordLocation: abs("/$defs/texts/oneOf"),
				InstanceLocation: "/dialogs/d/steps/1/say",
				Causes: []*verr{
					{KeywordLocation: "/x/oneOf/0/$ref", AbsoluteKeywordLocation: abs("/$defs/texts/oneOf/0/$ref"),
						InstanceLocation: "/dialogs/d/steps/1/say", Message: "doesn't validate",
						Causes: []*verr{{
							KeywordLocation: "/x/oneOf/0/$ref/type", AbsoluteKeywordLocation: abs("/$defs/text/type"),
							InstanceLocation: "/dialogs/d/steps/1/say", Message: "expected string or number or boolean, but got object",
						}}},
					{KeywordLocation: "/x/oneOf/1/type", AbsoluteKeywordLocation: abs("/$defs/textList/type"),
						InstanceLocation: "/dialogs/d/steps/1/say", Message: "expected array, but got object"},
				},
			},
			want: "bot.yaml:5:14: error[flow-mapping]: step 2 of dialog d: \"say\" must be text or a list of texts, but {vars.x} was read as a YAML mapping; write ${vars.x} (with the $) or quote the whole string\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &checker{f: f}
			c.visit(tt.err)
			c.diags.Sort()
			if got := renderDiags(c.diags); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}
