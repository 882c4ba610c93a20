package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

const versionLong = `Version prints botctl's version and the commit it was built from, followed
by the Go version and the platform; botctl --version prints the same.

A build with make build is stamped with git describe and the commit. Other
builds show what the Go toolchain recorded: the module version for
'go install ...@version', "(devel)" or a pseudo-version for a build from a
source tree, and the commit when the tree was a git checkout.`

// version and commit are stamped by the Makefile's build target:
//
//	go build -ldflags "-X main.version=$(git describe --always --dirty) -X main.commit=$(git rev-parse HEAD)"
//
// so that a binary built where the toolchain records no VCS information
// (-buildvcs=false, a tree copied without .git) still says what it is.
var version, commit string

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print botctl's version",
		Long:  versionLong,
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(a.stdout, currentVersion())
			return err
		},
	}
}

// currentVersion is the version line of this binary.
func currentVersion() string {
	info, _ := debug.ReadBuildInfo()
	return versionString(stamp{version: version, commit: commit}, info)
}

// stamp is what the build stamped with -ldflags -X; empty fields were not.
type stamp struct{ version, commit string }

// versionString formats the stamp, or where a field is missing the build
// information, as
// "botctl v1.2.0 (3f2a9c1b7d4e, modified) go1.26.8 linux/amd64".
func versionString(s stamp, info *debug.BuildInfo) string {
	version := "(devel)"
	var rev string
	var modified bool
	if info != nil {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if s.version != "" {
		version = s.version
	}
	if s.commit != "" {
		// git describe --dirty says whether the tree was modified.
		rev, modified = s.commit, false
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	switch {
	case rev != "" && modified:
		version += " (" + rev + ", modified)"
	case rev != "":
		version += " (" + rev + ")"
	}
	return fmt.Sprintf("botctl %s %s %s/%s", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
