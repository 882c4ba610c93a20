// Package limits holds the sizes that more than one stage must agree on,
// so that the compiler can refuse up front what a store would refuse at
// run time, without importing the store.
package limits

// MaxState is the largest conversation state, encoded as JSON, that every
// store accepts (16 MiB). A store refuses a larger one; the compiler
// refuses a bot whose variables' initial values alone are larger.
const MaxState = 16 << 20

// MaxFile is the largest file a file question takes (5 MiB): the most its
// max_size may be, and what a server reads of an upload.
const MaxFile = 5 << 20
