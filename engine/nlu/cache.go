package nlu

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
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
const algorithm = "botctl-nlu-3"

func writeUint(h hash.Hash, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	h.Write(b[:])
}

// TrainCached returns the model Train would, from a cache when it has
// trained on the same input before: first this process's, then one on disk
// under os.UserCacheDir()/botctl/nlu, so that serve, run and test do not
// retrain an unchanged bot. A cache entry that cannot be read is ignored,
// and the model trained again; failing to write one is not an error either.
// BOTCTL_NLU_CACHE=off leaves the disk alone.
func TrainCached(intents []Intent, opt Options) (*Model, error) {
	key := Key(intents, opt)
	if m := memory.get(key); m != nil {
		return m, nil
	}
	dir := cacheDir()
	if dir != "" {
		path := filepath.Join(dir, key)
		if m := load(path, key); m != nil {
			now := time.Now()
			_ = os.Chtimes(path, now, now) // recently used: kept by pruneCache
			memory.put(key, m)
			return m, nil
		}
	}
	m, err := Train(intents, opt)
	if err != nil {
		return nil, err
	}
	memory.put(key, m)
	if dir != "" {
		// A cache that cannot be written or pruned only costs time.
		if save(dir, key, m) == nil {
			_ = pruneCache(dir, diskEntries)
		}
	}
	return m, nil
}

// cacheDir is the disk cache's directory, "" when there is none.
func cacheDir() string {
	if os.Getenv("BOTCTL_NLU_CACHE") == "off" {
		return ""
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "botctl", "nlu")
}

// diskEntries is how many models the disk cache keeps: every version of a
// bot that was ever compiled would otherwise stay, a few megabytes each.
const diskEntries = 32

// pruneCache removes all but the keep most recently used models of the disk
// cache, and temporary files an interrupted save left over an hour ago.
func pruneCache(dir string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	type file struct {
		name string
		mod  time.Time
	}
	var models []file
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		if strings.HasSuffix(e.Name(), ".tmp") {
			if time.Since(info.ModTime()) > time.Hour {
				os.Remove(filepath.Join(dir, e.Name()))
			}
			continue
		}
		models = append(models, file{e.Name(), info.ModTime()})
	}
	if len(models) <= keep {
		return nil
	}
	slices.SortFunc(models, func(a, b file) int {
		if c := b.mod.Compare(a.mod); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	for _, f := range models[keep:] {
		os.Remove(filepath.Join(dir, f.name))
	}
	return nil
}

// memory is the in-process cache. It holds a few models, dropping the
// least recently used: a process serves a handful of bots, and a model of
// 150 intents takes tens of megabytes.
var memory = &lru{max: 8}

type lru struct {
	mu     sync.Mutex
	max    int
	keys   []string // least recently used first
	models map[string]*Model
}

func (c *lru) get(key string) *Model {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.models[key]
	if m != nil {
		c.touch(key)
	}
	return m
}

func (c *lru) put(key string, m *Model) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.models == nil {
		c.models = map[string]*Model{}
	}
	if _, ok := c.models[key]; !ok && len(c.keys) == c.max {
		delete(c.models, c.keys[0])
		c.keys = c.keys[1:]
	}
	c.models[key] = m
	c.touch(key)
}

func (c *lru) touch(key string) {
	if i := slices.Index(c.keys, key); i >= 0 {
		c.keys = slices.Delete(c.keys, i, i+1)
	}
	c.keys = append(c.keys, key)
}

func load(path, key string) *Model {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	m := new(Model)
	if m.UnmarshalBinary(b) != nil || m.hash != key {
		return nil
	}
	return m
}

// save writes the model to dir/key through a temporary file and a rename,
// so that a reader never sees half a model.
func save(dir, key string, m *Model) error {
	b, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, key+".*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, key))
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// magic begins an encoded model; the algorithm's name follows it, so a
// model of another version is refused.
const magic = "botctl nlu model\n"

// MarshalBinary encodes the model: little-endian numbers, the weights as
// their float32 bits, and a SHA-256 of it all at the end.
func (m *Model) MarshalBinary() ([]byte, error) {
	var e encoder
	e.str(magic + algorithm)
	e.str(m.hash)
	e.u64(math.Float64bits(m.threshold))
	e.u64(uint64(len(m.intents)))
	for _, n := range m.intents {
		e.str(n)
	}
	e.u64(uint64(m.classes))
	// The feature hashes in index order rebuild the index.
	keys := make([]uint64, len(m.idf))
	for _, s := range m.index.slots {
		if s.key != 0 {
			keys[s.val] = s.key
		}
	}
	e.u64(uint64(len(keys)))
	for _, h := range keys {
		e.u64(h)
	}
	e.floats(m.idf)
	e.u64(uint64(len(m.w)))
	for f := range len(m.idf) {
		e.u64(uint64(m.ptr[f+1] - m.ptr[f]))
	}
	for i, c := range m.cls {
		e.b = binary.LittleEndian.AppendUint16(e.b, c)
		e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(m.w[i]))
	}
	e.floats(m.b)
	// The word cache, in the order of its numbers.
	words := make([]uint64, len(m.wptr)-1)
	for _, s := range m.words.slots {
		if s.key != 0 {
			words[s.val] = s.key
		}
	}
	e.u64(uint64(len(words)))
	for i, h := range words {
		e.u64(h)
		e.u64(uint64(m.wptr[i+1] - m.wptr[i]))
	}
	for _, f := range m.wgrams {
		e.b = binary.LittleEndian.AppendUint32(e.b, uint32(f))
	}
	sum := sha256.Sum256(e.b)
	return append(e.b, sum[:]...), nil
}

// UnmarshalBinary decodes a model that MarshalBinary encoded, refusing
// anything damaged or of another version of the algorithm.
func (m *Model) UnmarshalBinary(b []byte) error {
	bad := errors.New("nlu: not a model of " + algorithm + " or damaged")
	if len(b) < sha256.Size {
		return bad
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if s := sha256.Sum256(body); !bytes.Equal(s[:], sum) {
		return bad
	}
	d := decoder{b: body}
	if d.str() != magic+algorithm {
		return bad
	}
	var n Model
	n.hash = d.str()
	n.threshold = math.Float64frombits(d.u64())
	intents := d.count(8)
	for range intents {
		n.intents = append(n.intents, d.str())
	}
	n.classes = int(d.count(1))
	features := d.count(8)
	n.index = newTable(int(features))
	for f := range features {
		h := d.u64()
		if _, ok := n.index.get(h); ok || h == 0 {
			return bad
		}
		n.index.put(h, int32(f))
	}
	n.idf = d.floats()
	weights := d.count(6)
	n.ptr = make([]int32, 1, features+1)
	var total uint64
	for range features {
		k := d.u64()
		if total += k; k > uint64(n.classes) || total > weights {
			return bad
		}
		n.ptr = append(n.ptr, int32(total))
	}
	if d.err || uint64(n.ptr[features]) != weights || len(d.b) < 6*int(weights) {
		return bad
	}
	n.cls = make([]uint16, weights)
	n.w = make([]float32, weights)
	for i := range n.w {
		n.cls[i] = binary.LittleEndian.Uint16(d.b[6*i:])
		n.w[i] = math.Float32frombits(binary.LittleEndian.Uint32(d.b[6*i+2:]))
		if int(n.cls[i]) >= n.classes {
			return bad
		}
	}
	d.b = d.b[6*weights:]
	n.b = d.floats()
	words := d.count(16)
	n.words = newTable(int(words))
	n.wptr = make([]int32, 1, words+1)
	total = 0
	for i := range words {
		h, k := d.u64(), d.u64()
		total += k
		if _, ok := n.words.get(h); ok || h == 0 || total > uint64(len(d.b)/4) {
			return bad
		}
		n.words.put(h, int32(i))
		n.wptr = append(n.wptr, int32(total))
	}
	grams := int(n.wptr[words])
	if d.err || len(d.b) != 4*grams {
		return bad
	}
	n.wgrams = make([]int32, grams)
	for i := range n.wgrams {
		n.wgrams[i] = int32(binary.LittleEndian.Uint32(d.b[4*i:]))
		if n.wgrams[i] < 0 || int(n.wgrams[i]) >= int(features) {
			return bad
		}
	}
	d.b = nil
	if d.err || len(d.b) != 0 || len(n.intents) == 0 ||
		(n.classes != len(n.intents) && n.classes != len(n.intents)+1) ||
		len(n.idf) != int(features) || len(n.b) != n.classes {
		return bad
	}
	*m = n
	return nil
}

type encoder struct{ b []byte }

func (e *encoder) u64(v uint64) { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *encoder) str(s string) { e.u64(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) floats(v []float32) {
	e.u64(uint64(len(v)))
	for _, x := range v {
		e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(x))
	}
}

// decoder reads what encoder wrote; past a first error it returns zeros and
// sets err.
type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) u64() uint64 {
	if len(d.b) < 8 {
		d.err, d.b = true, nil
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// count reads a length of items of at least size bytes each, 0 if there
// cannot be that many left.
func (d *decoder) count(size int) uint64 {
	n := d.u64()
	if n > uint64(len(d.b)/size) {
		d.err, d.b = true, nil
		return 0
	}
	return n
}

func (d *decoder) str() string {
	n := d.count(1)
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) floats() []float32 {
	n := d.count(4)
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(d.b[4*i:]))
	}
	d.b = d.b[4*n:]
	return v
}
