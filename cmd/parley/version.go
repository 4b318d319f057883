package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// version and commit are stamped by release builds (scripts/release.sh and
// the Dockerfile: -ldflags "-X main.version=... -X main.commit=..."); they
// win over the build information, which -trimpath builds, builds from a git
// worktree and images built without .git do not carry.
var version, commit string

// buildInfo is what `parley version` reports, from the binary's build
// information; ok is false when the binary has none.
type buildInfo struct {
	info *debug.BuildInfo
	ok   bool
}

func readBuildInfo() buildInfo {
	bi, ok := debug.ReadBuildInfo()
	return buildInfo{bi, ok}
}

// module is the main module's version: a tag or pseudo-version for a
// `go install ...@version` build, "(devel)" for a build from a checkout
// (and when the binary carries no build information).
func (b buildInfo) module() string {
	if version != "" {
		return version
	}
	if b.ok && b.info.Main.Version != "" {
		return b.info.Main.Version
	}
	return "(devel)"
}

// commit is the VCS revision the binary was built from, with " (modified)"
// when the work tree had changes, or "unknown" (go build -buildvcs=false,
// go run, a build outside a repository).
func (b buildInfo) commit() string {
	if commit != "" {
		return commit
	}
	if !b.ok {
		return "unknown"
	}
	var rev, modified string
	for _, s := range b.info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "unknown"
	}
	if modified == "true" {
		rev += " (modified)"
	}
	return rev
}

// goVersion is the toolchain that built the binary.
func (b buildInfo) goVersion() string {
	if b.ok && b.info.GoVersion != "" {
		return b.info.GoVersion
	}
	return runtime.Version()
}

func shortVersion(b buildInfo) string { return b.module() }

// versionText is the output of `parley version` and `parley --version`:
// three lines, "parley <module version>", "commit: ...", "go: ...".
func versionText(b buildInfo) string {
	var s strings.Builder
	fmt.Fprintf(&s, "parley %s\ncommit: %s\ngo: %s %s/%s\n", b.module(), b.commit(), b.goVersion(), runtime.GOOS, runtime.GOARCH)
	return s.String()
}
