package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
)

// IsJSON reports whether a Content-Type names JSON: application/json or a
// structured type ending in +json (application/problem+json), with any
// parameters, in any case.
func IsJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
	}
	return mt == "application/json" || (strings.HasSuffix(mt, "+json") && strings.Contains(mt, "/"))
}

// Decode converts a response body into the value of result.body. When
// contentType says JSON, the body is parsed: whole numbers become int,
// others float64 (as in a conversation's state), a number too large for
// float64 stays its text, and an empty body is nil. A body that is not
// one JSON value is an error whose text names the Content-Type; the text
// of the body is returned with it. Any other body is returned as text,
// with invalid UTF-8 replaced by U+FFFD so that it survives a round trip
// through JSON state. Decode never panics.
func Decode(contentType string, body []byte) (any, error) {
	if !IsJSON(contentType) {
		return text(body), nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil {
		if rest := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
			err = fmt.Errorf("more data after the JSON value (at byte %d)", len(body)-len(rest)+1)
		}
	}
	if err != nil {
		return text(body), fmt.Errorf("invalid JSON in response (Content-Type %s): %s", mediaType(contentType), jsonError(err))
	}
	return numbers(v), nil
}

func jsonError(err error) string {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("%s (at byte %d)", se.Error(), se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of JSON input"
	}
	return err.Error()
}

func mediaType(contentType string) string {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		return mt
	}
	return strings.TrimSpace(contentType)
}

func text(body []byte) string { return strings.ToValidUTF8(string(body), "\uFFFD") }

// numbers replaces the json.Numbers of a decoded tree in place.
func numbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil && int64(int(i)) == i {
			return int(i)
		}
		if f, err := v.Float64(); err == nil {
			return f
		}
		return v.String()
	case map[string]any:
		for k, e := range v {
			v[k] = numbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = numbers(e)
		}
	}
	return v
}
