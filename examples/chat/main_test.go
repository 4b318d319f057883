package main

import (
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/resttest"
)

// The example against a real node, run twice: the second run meets
// accounts that exist and users who are already friends.
func TestChat(t *testing.T) {
	node := resttest.Start(t)
	env := map[string]string{
		"PARLEY_URL":        node.URL,
		"PARLEY_SDKAPPID":   fmt.Sprint(resttest.SDKAppID),
		"PARLEY_SECRET_KEY": resttest.Key,
		"PARLEY_ADMIN":      resttest.Admin,
	}
	for i := 1; i <= 2; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var out strings.Builder
		err := run(ctx, []string{"-text", fmt.Sprintf("hello #%d", i)}, func(k string) string { return env[k] }, &out)
		cancel()
		if err != nil {
			t.Fatalf("run %d: %v\noutput:\n%s", i, err, out.String())
		}
		for _, want := range []string{
			"imported example_alice and example_bob over REST",
			"example_alice and example_bob are friends",
			fmt.Sprintf("example_alice sent \"hello #%d\" (seq %d)", i, i),
			fmt.Sprintf("example_bob received \"hello #%d\" from example_alice (seq %d)", i, i),
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("run %d: output lacks %q:\n%s", i, want, out.String())
			}
		}
	}

	// What the example did is visible to the app server as well.
	check := node.MustOK("sns/friend_check", map[string]any{"From_Account": "example_alice", "To_Account": []string{"example_bob"},
		"CheckType": "CheckResult_Type_Both"})
	if rel := resttest.Items(check, "InfoItem")[0]["Relation"]; rel != "CheckResult_Type_BothWay" {
		t.Errorf("after the example: relation %v, want CheckResult_Type_BothWay", rel)
	}
}

func TestChatFlags(t *testing.T) {
	ctx := context.Background()
	none := func(string) string { return "" }
	if err := run(ctx, nil, none, &strings.Builder{}); err == nil || !strings.Contains(err.Error(), "-sdkappid and -key") {
		t.Errorf("no app: %v, want the missing flags named", err)
	}
	if err := run(ctx, []string{"-sdkappid", "x", "-key", "k"}, none, &strings.Builder{}); err == nil {
		t.Error("a non-numeric SDKAppID: want an error")
	}
}

// The example is what an app outside this repository can write: the SDK,
// usersig and the standard library, nothing internal.
func TestChatImports(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		switch {
		case path == "github.com/parleyim/parley/sdk", path == "github.com/parleyim/parley/usersig":
		case strings.Contains(strings.SplitN(path, "/", 2)[0], "."):
			t.Errorf("main.go imports %s: only the SDK, usersig and the standard library", path)
		}
	}
}
