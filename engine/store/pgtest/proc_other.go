//go:build !linux

package pgtest

import "os/exec"

// setProcAttr does nothing here: running as root is supported on Linux
// only, and only Linux kills children on the parent's death.
func setProcAttr(*exec.Cmd, *runAs) {}
