package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/botctl/botctl/engine/store"
	"github.com/botctl/botctl/engine/turn"
)

// Error codes of the API. They are stable: clients may switch on them. The
// HTTP status of each is in codeStatus.
const (
	CodeBadRequest          = "bad_request"            // 400: a field is missing or has a wrong value
	CodeInvalidJSON         = "invalid_json"           // 400: the body is not one JSON value of the expected shape
	CodeUnknownField        = "unknown_field"          // 400: the body has a field the call does not take
	CodeUnauthorized        = "unauthorized"           // 401: no credentials, or credentials that are not valid
	CodeForbidden           = "forbidden"              // 403: valid credentials that do not grant this call
	CodeNotFound            = "not_found"              // 404: no such conversation, interaction or route
	CodeMethodNotAllowed    = "method_not_allowed"     // 405
	CodeConflict            = "conflict"               // 409: the conversation's state does not allow the input now
	CodeClosed              = "closed"                 // 409: the conversation is closed
	CodeAgentOwns           = "agent_owns"             // 409: an agent owns the conversation
	CodeTooLarge            = "too_large"              // 413: the body is larger than the call takes
	CodeUnsupportedMedia    = "unsupported_media_type" // 415: the body is not JSON (or multipart, for uploads)
	CodeEventRefused        = "event_refused"          // 422: the event does not apply to the conversation
	CodeNotOffered          = "not_offered"            // 422: the interaction's `when` does not hold for these params
	CodeIdempotencyMismatch = "idempotency_mismatch"   // 422: the Idempotency-Key was used on this call with another body
	CodeTooManyRequests     = "too_many_requests"      // 429: too many messages queued for the conversation
	CodeInternal            = "internal"               // 500: a bug; the log has the details
	CodeStoreUnavailable    = "store_unavailable"      // 503: the store did not answer
	CodeDraining            = "draining"               // 503: the server is shutting down; retry (another replica takes it)
)

var codeStatus = map[string]int{
	CodeBadRequest:          http.StatusBadRequest,
	CodeInvalidJSON:         http.StatusBadRequest,
	CodeUnknownField:        http.StatusBadRequest,
	CodeUnauthorized:        http.StatusUnauthorized,
	CodeForbidden:           http.StatusForbidden,
	CodeNotFound:            http.StatusNotFound,
	CodeMethodNotAllowed:    http.StatusMethodNotAllowed,
	CodeConflict:            http.StatusConflict,
	CodeClosed:              http.StatusConflict,
	CodeAgentOwns:           http.StatusConflict,
	CodeTooLarge:            http.StatusRequestEntityTooLarge,
	CodeUnsupportedMedia:    http.StatusUnsupportedMediaType,
	CodeEventRefused:        http.StatusUnprocessableEntity,
	CodeNotOffered:          http.StatusUnprocessableEntity,
	CodeIdempotencyMismatch: http.StatusUnprocessableEntity,
	CodeTooManyRequests:     http.StatusTooManyRequests,
	CodeInternal:            http.StatusInternalServerError,
	CodeStoreUnavailable:    http.StatusServiceUnavailable,
	CodeDraining:            http.StatusServiceUnavailable,
}

// apiError is an error the API reports as {"error": {"code", "message"}}.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	err     error  // the cause, for the log
	storeOp string // the store operation that failed, for CodeStoreUnavailable
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }
func (e *apiError) Unwrap() error { return e.err }

// Status is the HTTP status of the error's code.
func (e *apiError) Status() int {
	if s, ok := codeStatus[e.Code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

func errorf(code, format string, args ...any) *apiError {
	return &apiError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error *apiError `json:"error"`
}

// asAPIError turns any error of a handler into the error the client sees:
// refusals of the engine into 409 or 422, store failures into 404 or 503,
// anything else into a 500 whose details stay in the log.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &apiError{Code: CodeNotFound, Message: "no such conversation", err: err}
	case errors.Is(err, store.ErrConflict):
		return &apiError{Code: CodeConflict, Message: "the conversation kept changing on another replica; retry the request", err: err}
	}
	if re := refusal(err); re != nil {
		return re
	}
	return &apiError{Code: CodeInternal, Message: "internal error; the server log has the details", err: err}
}

// refusal maps an input the engine refused to its API error, or nil when
// err is not a refusal.
func refusal(err error) *apiError {
	code := ""
	switch {
	case errors.Is(err, turn.ErrClosed):
		code = CodeClosed
	case errors.Is(err, turn.ErrAgentOwns):
		code = CodeAgentOwns
	case errors.Is(err, turn.ErrNoAgent), errors.Is(err, turn.ErrNoFileAsked), errors.Is(err, turn.ErrNoEvent), errors.Is(err, turn.ErrOwnEvent):
		code = CodeEventRefused
	case errors.Is(err, turn.ErrBusy), errors.Is(err, turn.ErrHandedOff),
		errors.Is(err, turn.ErrWrongBot), errors.Is(err, turn.ErrNotWaiting):
		code = CodeConflict
	default:
		return nil
	}
	return &apiError{Code: code, Message: err.Error(), err: err}
}

// storeError wraps a store failure that is not one of the store's own
// answers (not found, conflict): the store is down or broken.
func storeError(op string, err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrExists) {
		return err
	}
	return &apiError{Code: CodeStoreUnavailable, Message: "the conversation store is unavailable; retry later",
		err: fmt.Errorf("store %s: %w", op, err), storeOp: op}
}

// writeJSON writes v as the JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		body = []byte(`{"error":{"code":"internal","message":"internal error; the server log has the details"}}`)
		status = http.StatusInternalServerError
	}
	writeBody(w, status, body)
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body)
	w.Write([]byte("\n"))
}
