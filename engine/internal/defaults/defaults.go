// Package defaults is the one table of the language's default values
// (docs/language.md): what a bot gets for a setting it leaves out, and the engine's
// built-in replies. The compiler fills a bot's settings from it; the turn
// falls back on it for a graph that leaves a setting unset, and says its
// built-in replies. docs/language.md documents every value here.
package defaults

import (
	"strings"
	"time"

	"github.com/botctl/botctl/engine/graph"
	"github.com/botctl/botctl/engine/internal/limits"
)

// Settings of a bot, a question and an integration.
const (
	MaxAttempts           = 3               // a question's max_attempts
	MaxTransferAttempts   = 3               // bot.max_transfer_attempts
	Timeout               = 5 * time.Second // an integration's timeout
	Method                = "GET"           // an integration's method
	MaxSize               = limits.MaxFile  // a file question's max_size: the most it may be
	ErrorMessage          = "Sorry, something went wrong on our side."
	TransferFailedMessage = "Not able to transfer to Agent at this time. Please try later."
	Uploading             = "Processing the file…"                          // a file question's uploading
	UploadSuccess         = "Successfully processed the file."              // its success
	UploadFailure         = "Failed to process the file. Please try again." // its failure
)

// Fallback is the reply to a message that no starter matches, for a bot
// with no fallback dialog.
const Fallback = "Sorry, I didn't understand that. Could you say it another way?"

// Accept returns the file types a file question accepts when it gives no
// `accept`: a new slice each time, since questions own theirs.
func Accept() []string { return []string{"pdf", "jpeg", "png"} }

// Invalid is the `invalid` text of a file question that sets none.
func Invalid(accept []string) string {
	return "The file type is invalid. Upload one of these types: " + strings.Join(accept, ", ") + "."
}

// Retry is the retry text sent after an invalid answer when the question
// sets no `retry:`. Choice questions list their choices instead (see
// ChoiceRetry), and file questions say their `invalid` text.
var Retry = map[graph.AnswerType]string{
	graph.Text:        "Please type your answer.",
	graph.Number:      "Please enter a number, like 42 or 3.5.",
	graph.Integer:     "Please enter a whole number, like 42.",
	graph.Email:       "Please enter a valid email address, like name@example.com.",
	graph.Phone:       "Please enter a valid phone number, like +1 555 123 4567.",
	graph.Date:        "Please enter a date as YYYY-MM-DD, or say today or tomorrow.",
	graph.YesNo:       "Please answer yes or no.",
	graph.Choice:      "Please choose one of the options.",
	graph.RegexAnswer: "That doesn't look right. Please try again.",
	graph.File:        "Please upload a file.",
}

// ChoiceRetry is the retry text of a choice question that sets none.
func ChoiceRetry(choices []string) string {
	return "Please choose one of: " + strings.Join(choices, ", ") + "."
}
