// Package nlu classifies a user's message into one of a bot's intents, or
// none of them, with a model trained from the intents' example sentences
// when the bot compiles: no external model or service.
//
// The model is a multinomial logistic regression over TF-IDF weighted
// features: the message's words, its pairs of adjacent words, and the 2- to
// 5-letter pieces of each word, after lower-casing and folding accents.
// Out-of-scope examples are learned as a class of their own, and a message
// whose best intent's probability is below the model's threshold is out of
// scope too; Auto tunes the threshold by cross-validation at training time.
//
// Training and classification are deterministic: the same examples give the
// same model, bit for bit, and the same predictions, on every machine. The
// order of the intents and of their examples does not matter: the same
// examples listed in any order give the same predictions.
// TrainCached keeps trained models by the content hash of their input, in
// the process and on disk, so that an unchanged bot is not trained again.
// Evaluate and CrossValidate measure a model on labelled messages.
//
//	m, err := nlu.TrainCached([]nlu.Intent{
//		{Name: "order_status", Examples: []string{"where is my order", "track my parcel"}},
//		{Name: "greet", Examples: []string{"hello", "good morning"}},
//	}, nlu.Options{Threshold: nlu.Auto, OutOfScope: []string{"tell me a joke"}})
//	if err != nil {
//		return err
//	}
//	p := m.Classify("has my parcel shipped?")
//	// p.Intent is "order_status", or "" when the message is out of scope.
package nlu
