// Command configdoc prints the configuration reference made from
// internal/config's settings table. From the repository root:
//
//	go run ./internal/config/cmd/configdoc > docs/configuration.md
//
// internal/config's tests fail while docs/configuration.md differs from it.
package main

import (
	"fmt"
	"os"

	"github.com/parleyim/parley/internal/config"
)

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/config/cmd/configdoc > docs/configuration.md")
		os.Exit(2)
	}
	if err := config.WriteMarkdown(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "configdoc:", err)
		os.Exit(1)
	}
}
