package redistest

import (
	"os/exec"
	"syscall"
)

// setPdeathsig has the kernel kill redis-server if the test binary dies
// without running its cleanups (a panic, a timeout, SIGKILL).
func setPdeathsig(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
