package mock

import (
	"encoding/json"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// LLM is the key of the language models' mocks. Its value is a list of
// answers, used in call order by every model, or a mapping of model names
// to such lists:
//
//	llm:
//	  - {intent: lost_card}        # a structured choice of intent
//	  - {value: Lyon}              # a value read out of an answer
//	  - {content: "Hello!"}        # a generated text, or any raw content
//	  - {error: timeout}           # the call failed
//	  - {status: 429}              # the API refused
//
// Each answer becomes the chat-completions response the model's API would
// give, so a mocked model takes the same path as a real one. The model
// named NAME is mocked under "llm.NAME", before the shared list.
const LLM = "llm"

// llmKeys are the keys of a model's mocked answer.
var llmKeys = map[string]bool{"intent": true, "value": true, "content": true, "error": true, "status": true}

func (s Set) addLLM(v *yaml.Node) error {
	switch {
	case v.Kind == yaml.SequenceNode:
		return s.addLLMList(LLM, v.Content, v.Line)
	case v.Kind == yaml.MappingNode && isLLMAnswer(v):
		return s.addLLMList(LLM, []*yaml.Node{v}, v.Line)
	case v.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(v.Content); i += 2 {
			k, list := v.Content[i], v.Content[i+1]
			items := list.Content
			if list.Kind == yaml.MappingNode {
				items = []*yaml.Node{list}
			} else if list.Kind != yaml.SequenceNode {
				return errorf(list.Line, "mocks for model %q must be a list of answers like {content: \"...\"}", k.Value)
			}
			if err := s.addLLMList(LLM+"."+k.Value, items, list.Line); err != nil {
				return err
			}
		}
		return nil
	}
	return errorf(v.Line, "mocks for llm must be a list of answers like {intent: name}, {value: text} or {content: text}")
}

func isLLMAnswer(n *yaml.Node) bool {
	for i := 0; i < len(n.Content); i += 2 {
		if !llmKeys[n.Content[i].Value] {
			return false
		}
	}
	return len(n.Content) > 0
}

func (s Set) addLLMList(key string, items []*yaml.Node, line int) error {
	if len(items) == 0 {
		return errorf(line, "mocks for %s: the list is empty", key)
	}
	for _, item := range items {
		r, err := LLMAnswer(item)
		if err != nil {
			return errorf(item.Line, "mocks for %s: %v", key, err)
		}
		s[key] = append(s[key], r)
	}
	return nil
}

// LLMAnswer decodes one mocked answer of a model into the response its
// API would give.
func LLMAnswer(n *yaml.Node) (Response, error) {
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return Response{}, fmt.Errorf("an answer is a mapping with one key: {intent: name}, {value: text}, {content: text}, {error: text} or {status: code}")
	}
	k, v := n.Content[0], n.Content[1]
	if v.Kind != yaml.ScalarNode {
		return Response{}, fmt.Errorf("%s must be a text, not a list or mapping", k.Value)
	}
	var content string
	switch k.Value {
	case "error":
		if v.Value == "" {
			return Response{}, fmt.Errorf("error must be a text such as timeout")
		}
		return Response{Error: v.Value}, nil
	case "status":
		st, err := strconv.Atoi(v.Value)
		if err != nil || st < 100 || st > 599 {
			return Response{}, fmt.Errorf("status must be an HTTP status code (100-599), not %q", v.Value)
		}
		return Response{Status: st}, nil
	case "intent", "value":
		b, _ := json.Marshal(map[string]string{k.Value: v.Value})
		content = string(b)
	case "content":
		content = v.Value
	default:
		return Response{}, fmt.Errorf("unknown key %q (an answer has intent, value, content, error or status)", k.Value)
	}
	return Response{Status: 200, Body: Completion(content)}, nil
}

// Completion is the chat-completions response body whose message says
// content, as a decoded JSON value.
func Completion(content string) any {
	return map[string]any{
		"object": "chat.completion",
		"choices": []any{map[string]any{
			"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content},
		}},
		"usage": map[string]any{"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
	}
}
