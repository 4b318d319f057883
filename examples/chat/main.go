// Command chat is a complete client of a Parley node using only the public
// packages: an app server's part (mint UserSigs, import accounts over REST)
// and two users' devices (log in with the Go SDK, become friends, exchange a
// message).
//
//	go run ./examples/chat -server http://127.0.0.1:8080 -sdkappid 1400000001 -key <secret key>
//
// The flags default to PARLEY_URL, PARLEY_SDKAPPID, PARLEY_SECRET_KEY and
// PARLEY_ADMIN, the same names the server reads, so one set of exports
// serves both. Running it again is fine: importing an existing account is
// not an error, and users who are already friends stay friends.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/parleyim/parley/sdk"
	"github.com/parleyim/parley/usersig"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

type config struct {
	server, key, admin, from, to, text string
	sdkAppID                           uint64
}

func parseFlags(args []string, getenv func(string) string) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var c config
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.StringVar(&c.server, "server", env("PARLEY_URL", "http://127.0.0.1:8080"), "the node's base URL (env PARLEY_URL)")
	appID := fs.String("sdkappid", env("PARLEY_SDKAPPID", ""), "the app's SDKAppID (env PARLEY_SDKAPPID)")
	fs.StringVar(&c.key, "key", env("PARLEY_SECRET_KEY", ""), "the app's secret key (env PARLEY_SECRET_KEY)")
	fs.StringVar(&c.admin, "admin", env("PARLEY_ADMIN", "administrator"), "an admin UserID of the app (env PARLEY_ADMIN)")
	fs.StringVar(&c.from, "from", "example_alice", "the sending user")
	fs.StringVar(&c.to, "to", "example_bob", "the receiving user")
	fs.StringVar(&c.text, "text", "hello from the Go SDK", "the message")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if *appID == "" || c.key == "" {
		return c, errors.New("-sdkappid and -key (or PARLEY_SDKAPPID and PARLEY_SECRET_KEY) are required")
	}
	id, err := strconv.ParseUint(*appID, 10, 32)
	if err != nil {
		return c, fmt.Errorf("-sdkappid: %v", err)
	}
	c.sdkAppID = id
	// PARLEY_ADMIN may list several admins; any one of them will do.
	c.admin, _, _ = strings.Cut(c.admin, ",")
	return c, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	c, err := parseFlags(args, getenv)
	if err != nil {
		return err
	}

	// The app server's part. UserSigs are minted with the secret key, which
	// only the app server holds; devices get theirs from it.
	sig := func(user string) (string, error) {
		return usersig.Generate(c.sdkAppID, c.key, user, 3600, time.Now())
	}
	adminSig, err := sig(c.admin)
	if err != nil {
		return err
	}
	rest := &restClient{base: strings.TrimRight(c.server, "/"), sdkAppID: c.sdkAppID, admin: c.admin, sig: adminSig}
	var imported struct{ FailAccounts []string }
	if err := rest.call(ctx, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{c.from, c.to}}, &imported); err != nil {
		return err
	}
	if len(imported.FailAccounts) > 0 {
		return fmt.Errorf("import failed for %v", imported.FailAccounts)
	}
	fmt.Fprintf(out, "imported %s and %s over REST\n", c.from, c.to)

	// The devices' part: one SDK instance per user.
	login := func(user string) (*sdk.Manager, error) {
		s, err := sig(user)
		if err != nil {
			return nil, err
		}
		m := sdk.NewManager(sdk.Config{ServerURL: c.server, SDKAppID: c.sdkAppID, Platform: sdk.PlatformWeb})
		if err := m.Login(ctx, user, s); err != nil {
			m.Close()
			return nil, fmt.Errorf("login %s: %w", user, err)
		}
		return m, nil
	}
	sender, err := login(c.from)
	if err != nil {
		return err
	}
	defer sender.Close()
	receiver, err := login(c.to)
	if err != nil {
		return err
	}
	defer receiver.Close()
	fmt.Fprintf(out, "%s and %s logged in with the Go SDK\n", c.from, c.to)

	if err := befriend(ctx, sender, receiver, c.from, c.to); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s and %s are friends\n", c.from, c.to)

	// Listen before sending: the push arrives on the receiver's socket as
	// soon as the message is stored.
	inbox := &inbox{messages: make(chan *sdk.Message, 16)}
	receiver.Message().AddAdvancedMsgListener(inbox)
	sent, err := sender.Message().SendMessage(ctx, sender.Message().CreateTextMessage(c.text), c.to, sdk.SendOptions{})
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	fmt.Fprintf(out, "%s sent %q (seq %d)\n", c.from, c.text, sent.Seq)
	for {
		select {
		case msg := <-inbox.messages:
			if msg.Seq != sent.Seq || msg.Sender != c.from {
				continue // an earlier run's message, replayed
			}
			text := ""
			if t, ok := msg.Elems[0].(*sdk.TextElem); ok {
				text = t.Text
			}
			fmt.Fprintf(out, "%s received %q from %s (seq %d)\n", c.to, text, msg.Sender, msg.Seq)
			if err := sender.Logout(ctx); err != nil {
				return err
			}
			return receiver.Logout(ctx)
		case <-ctx.Done():
			return fmt.Errorf("%s did not receive the message: %w", c.to, ctx.Err())
		}
	}
}

// befriend makes from and to friends of each other: from asks, to accepts.
// Users who already are friends are left alone.
func befriend(ctx context.Context, from, to *sdk.Manager, fromID, toID string) error {
	check, err := from.Friendship().CheckFriend(ctx, []string{toID}, sdk.FriendTypeBoth)
	if err != nil {
		return err
	}
	if check[0].ResultType == sdk.RelationBothWay {
		return nil
	}
	res, err := from.Friendship().AddFriend(ctx, sdk.FriendAddApplication{UserID: toID, AddSource: "AddSource_Type_Example", AddWording: "hi"})
	if err != nil {
		return fmt.Errorf("friend request: %w", err)
	}
	if res.ResultCode != sdk.ResultFriendAddPending {
		return nil // to accepts everyone: already added
	}
	// to confirms requests (AllowType NeedConfirm, the default).
	apps, err := to.Friendship().GetFriendApplicationList(ctx)
	if err != nil {
		return err
	}
	for _, app := range apps.Applications {
		if app.UserID == fromID && app.Type == sdk.ApplicationComeIn {
			return to.Friendship().AcceptFriendApplication(ctx, app, sdk.ResponseAgreeAndAdd)
		}
	}
	return fmt.Errorf("%s has no friend request from %s", toID, fromID)
}

type inbox struct {
	sdk.BaseAdvancedMsgListener
	messages chan *sdk.Message
}

func (in *inbox) OnRecvNewMessage(msg *sdk.Message) { in.messages <- msg }

// restClient calls the admin REST API the way any app server does: POST
// /v4/<service>/<command> with the admin's UserSig in the query.
type restClient struct {
	base     string
	sdkAppID uint64
	admin    string
	sig      string
}

func (r *restClient) call(ctx context.Context, api string, body, into any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	q := url.Values{
		"sdkappid":    {strconv.FormatUint(r.sdkAppID, 10)},
		"identifier":  {r.admin},
		"usersig":     {r.sig},
		"random":      {strconv.FormatUint(uint64(rand.Uint32()), 10)},
		"contenttype": {"json"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+"/v4/"+api+"?"+q.Encode(), bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		ActionStatus string
		ErrorCode    int
		ErrorInfo    string
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("%s: HTTP %d, not JSON: %.200s", api, resp.StatusCode, raw)
	}
	if env.ActionStatus != "OK" || env.ErrorCode != 0 {
		return fmt.Errorf("%s: %d %s", api, env.ErrorCode, env.ErrorInfo)
	}
	return json.Unmarshal(raw, into)
}
