package pgtest

import (
	"os/exec"
	"syscall"
)

// setProcAttr runs cmd as u (when not nil), and has the kernel kill it if
// the test binary dies without running its cleanups (a panic, a timeout,
// SIGKILL). The postmaster's own processes exit when it does.
func setProcAttr(cmd *exec.Cmd, u *runAs) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if u != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.gid), Groups: []uint32{}}
	}
}
