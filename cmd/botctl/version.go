package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

const versionLong = `Version prints botctl's version, as recorded by the Go toolchain when it
was built: the module version for 'go install ...@version', "(devel)" for a
build from a source tree, followed by the commit when it is known, the Go
version and the platform.`

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print botctl's version",
		Long:  versionLong,
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			info, _ := debug.ReadBuildInfo()
			_, err := fmt.Fprintln(a.stdout, versionString(info))
			return err
		},
	}
}

// versionString formats build information as
// "botctl v1.2.0 (3f2a9c1b7d4e, modified) go1.26.8 linux/amd64".
func versionString(info *debug.BuildInfo) string {
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
