package nlu

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
)

// Key returns the content hash of a training input: a hex SHA-256 of the
// intents (names and examples, in order), the options, and the version of
// the training algorithm. Train gives the model this Hash.
func Key(intents []Intent, opt Options) string {
	h := sha256.New()
	str := func(s string) {
		writeUint(h, uint64(len(s)))
		h.Write([]byte(s))
	}
	str(algorithm)
	writeUint(h, math.Float64bits(opt.Threshold))
	writeUint(h, uint64(len(intents)))
	for _, in := range intents {
		str(in.Name)
		writeUint(h, uint64(len(in.Examples)))
		for _, e := range in.Examples {
			str(e)
		}
	}
	writeUint(h, uint64(len(opt.OutOfScope)))
	for _, e := range opt.OutOfScope {
		str(e)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// algorithm names the features and the training; change it whenever a
// change to either would make a model differ, so that cached models of the
// old one are not used.
const algorithm = "botctl-nlu-1"

func writeUint(h hash.Hash, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	h.Write(b[:])
}
