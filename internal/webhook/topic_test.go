package webhook_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/webhook"
)

// Group.CallbackBeforeCreateTopic is asked before a topic is written, with
// the community, the operator and the name: a refusal is 10016 or the app's
// code of [10100, 10200], and nothing is created.
func TestTopicBeforeCreate(t *testing.T) {
	r := newReceiver(t)
	var answer string
	r.setAnswer(func(cmd string, _ map[string]any) (int, string) {
		r.mu.Lock()
		a := answer
		r.mu.Unlock()
		if cmd == webhook.CmdGroupBeforeCreateTopic && a != "" {
			return http.StatusOK, a
		}
		return http.StatusOK, `{"ActionStatus":"OK","ErrorCode":0}`
	})
	set := func(a string) {
		r.mu.Lock()
		answer = a
		r.mu.Unlock()
	}
	n := startNode(t, newStoreSpec(t), map[store.AppID]webhook.Config{appA: all(r)})
	n.mustOK(appA, "im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"owner"}})
	n.mustOK(appA, "group_open_http_svc/create_group", map[string]any{"GroupId": "c1", "Type": "Community", "Name": "C",
		"Owner_Account": "owner", "SupportTopic": 1})

	create := map[string]any{"GroupId": "c1", "TopicId": "c1@TOPIC#_t", "TopicName": "T"}
	set(`{"ErrorCode":1,"ErrorInfo":"no topics today"}`)
	if out := n.rest(appA, "million_group_open_http_svc/create_topic", create); code(out) != hook.CodeGroupRejected {
		t.Fatalf("create refused by the callback: %v, want %d", out, hook.CodeGroupRejected)
	}
	set(`{"ErrorCode":10150,"ErrorInfo":"later"}`)
	if out := n.rest(appA, "million_group_open_http_svc/create_topic", create); code(out) != 10150 {
		t.Fatalf("create refused with the app's code: %v, want 10150", out)
	}
	if out := n.mustOK(appA, "million_group_open_http_svc/get_topic", map[string]any{"GroupId": "c1"}); strings.Contains(fmt.Sprint(out), "c1@TOPIC#_t") {
		t.Fatalf("a refused create made the topic: %v", out)
	}
	set("")
	n.mustOK(appA, "million_group_open_http_svc/create_topic", create)
	bt := r.wait(webhook.CmdGroupBeforeCreateTopic, 3)[2]
	checkProtocol(t, bt, appA, "RESTAPI")
	if field(bt, "GroupId") != "c1" || field(bt, "Name") != "T" || field(bt, "Type") != "Community" || field(bt, "Operator_Account") != admin ||
		field(bt, "TopicId") != "c1@TOPIC#_t" {
		t.Fatalf("before-create-topic %s", bt.Raw)
	}
}
