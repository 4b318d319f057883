package restapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	tencentyun "github.com/tencentyun/tls-sig-api-v2-golang/tencentyun"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/restapi"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/usersig"
)

// Helpers in this file carry the "proto" prefix: other test files of this
// package are written at the same time, and names must not collide.

// protoEnv checks the envelope of resp exactly: ActionStatus OK/FAIL by
// code, ErrorCode a JSON integer equal to want, ErrorInfo a string (empty on
// success) and ErrorDisplay present (as a string) exactly when display.
func protoEnv(t *testing.T, what string, resp map[string]any, want int, display bool) {
	t.Helper()
	num, ok := resp["ErrorCode"].(json.Number)
	if !ok {
		t.Fatalf("%s: ErrorCode is %T (%v), want a JSON number; response %v", what, resp["ErrorCode"], resp["ErrorCode"], resp)
	}
	if n, err := num.Int64(); err != nil || int(n) != want || num.String() != fmt.Sprint(want) {
		t.Fatalf("%s: ErrorCode %s, want %d; response %v", what, num, want, resp)
	}
	wantStatus := "OK"
	if want != 0 {
		wantStatus = "FAIL"
	}
	if st, ok := resp["ActionStatus"].(string); !ok || st != wantStatus {
		t.Fatalf("%s: ActionStatus %#v, want %q; response %v", what, resp["ActionStatus"], wantStatus, resp)
	}
	info, ok := resp["ErrorInfo"].(string)
	if !ok {
		t.Fatalf("%s: ErrorInfo is %T, want a string; response %v", what, resp["ErrorInfo"], resp)
	}
	if want == 0 && info != "" {
		t.Fatalf("%s: ErrorInfo %q on success, want empty", what, info)
	}
	if want != 0 && info == "" {
		t.Fatalf("%s: ErrorInfo empty on failure %d", what, want)
	}
	d, present := resp["ErrorDisplay"]
	if present != display {
		t.Fatalf("%s: ErrorDisplay present=%v, want %v; response %v", what, present, display, resp)
	}
	if present {
		if _, ok := d.(string); !ok {
			t.Fatalf("%s: ErrorDisplay is %T, want a string", what, d)
		}
	}
}

// protoRaw posts body with query q and requires HTTP 200.
func protoRaw(t *testing.T, s *resttest.Server, api string, q url.Values, body string) map[string]any {
	t.Helper()
	resp, status := s.Raw(api, q, []byte(body))
	if status != http.StatusOK {
		t.Fatalf("%s: HTTP %d, want 200", api, status)
	}
	return resp
}

// protoDo sends an arbitrary request and decodes the JSON answer, requiring
// HTTP 200 and a JSON content type.
func protoDo(t *testing.T, method, u string, body io.Reader) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d, want 200: %s", method, u, resp.StatusCode, raw)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: Content-Type %q, want application/json", method, u, ct)
	}
	var out map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		t.Fatalf("%s %s: not a JSON object: %v: %s", method, u, err, raw)
	}
	return out
}

// protoWith returns the admin query with key set to value (or removed when
// value is nil).
func protoWith(s *resttest.Server, kv ...any) url.Values {
	q := s.Query()
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			q.Del(k)
			continue
		}
		q.Set(k, kv[i+1].(string))
	}
	return q
}

func protoSig(t *testing.T, sdkAppID uint64, key, user string, expire int64, at time.Time) string {
	t.Helper()
	sig, err := usersig.Generate(sdkAppID, key, user, expire, at)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// protoAPIs are one command of each service, with whether it answers with
// ErrorDisplay and its not-admin code.
var protoAPIs = []struct {
	api      string
	body     string
	display  bool
	notAdmin int
}{
	{"im_open_login_svc/account_check", `{"CheckItem":[{"UserID":"administrator"}]}`, false, 70403},
	{"profile/portrait_get", `{"To_Account":["administrator"],"TagList":["Tag_Profile_IM_Nick"]}`, true, 40004},
	{"sns/friend_check", `{"From_Account":"administrator","To_Account":["administrator"],"CheckType":"CheckResult_Type_Both"}`, true, 30004},
}

func TestProtocolEnvelopeOnSuccess(t *testing.T) {
	s := resttest.Start(t)
	for _, c := range protoAPIs {
		resp := protoRaw(t, s, c.api, s.Query(), c.body)
		protoEnv(t, c.api, resp, 0, c.display)
		if c.display && resp["ErrorDisplay"] != "" {
			t.Fatalf("%s: ErrorDisplay %v, want empty", c.api, resp["ErrorDisplay"])
		}
	}
	// A plain OK answer carries the envelope and nothing else.
	resp := protoRaw(t, s, "im_open_login_svc/account_import", s.Query(), `{"UserID":"envuser"}`)
	want := map[string]any{"ActionStatus": "OK", "ErrorCode": json.Number("0"), "ErrorInfo": ""}
	if !protoEqual(resp, want) {
		t.Fatalf("account_import answer %v, want exactly %v", resp, want)
	}
	resp = protoRaw(t, s, "profile/portrait_set", s.Query(), `{"From_Account":"envuser","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"n"}]}`)
	want = map[string]any{"ActionStatus": "OK", "ErrorCode": json.Number("0"), "ErrorInfo": "", "ErrorDisplay": ""}
	if !protoEqual(resp, want) {
		t.Fatalf("portrait_set answer %v, want exactly %v", resp, want)
	}
}

func protoEqual(a, b map[string]any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func TestProtocolEnvelopeOnFailureKeepsDisplayPerService(t *testing.T) {
	s := resttest.Start(t)
	for _, c := range protoAPIs {
		// A protocol failure on a resolved route still follows the
		// service's envelope.
		resp := protoRaw(t, s, c.api, protoWith(s, "usersig", "garbage"), c.body)
		protoEnv(t, c.api+" bad sig", resp, 70003, c.display)
		resp = protoRaw(t, s, c.api, s.Query(), `{`)
		protoEnv(t, c.api+" bad json", resp, 60003, c.display)
	}
}

func TestProtocolMethodMustBePOST(t *testing.T) {
	s := resttest.Start(t)
	for _, c := range protoAPIs {
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			var body io.Reader
			if m != http.MethodGet {
				body = strings.NewReader(c.body)
			}
			resp := protoDo(t, m, s.URL+"/v4/"+c.api+"?"+s.Query().Encode(), body)
			protoEnv(t, m+" "+c.api, resp, 60002, c.display)
		}
	}
}

func TestProtocolBadRandom(t *testing.T) {
	s := resttest.Start(t)
	api, body := "im_open_login_svc/account_check", `{"CheckItem":[{"UserID":"x"}]}`
	for _, r := range []string{"4294967296", "abc", "-1", "1.5", "99999999999999999999"} {
		resp := protoRaw(t, s, api, protoWith(s, "random", r), body)
		protoEnv(t, "random="+r, resp, 60002, false)
	}
	for _, r := range []string{"0", "4294967295", "1"} {
		resp := protoRaw(t, s, api, protoWith(s, "random", r), body)
		protoEnv(t, "random="+r, resp, 0, false)
	}
}

func TestProtocolContentType(t *testing.T) {
	s := resttest.Start(t)
	api, body := "profile/portrait_get", `{"To_Account":["administrator"],"TagList":["Tag_Profile_IM_Nick"]}`
	for _, ct := range []string{"xml", "JSON", "text"} {
		resp := protoRaw(t, s, api, protoWith(s, "contenttype", ct), body)
		protoEnv(t, "contenttype="+ct, resp, 60002, true)
	}
	resp := protoRaw(t, s, api, protoWith(s, "contenttype", "json"), body)
	protoEnv(t, "contenttype=json", resp, 0, true)
}

func TestProtocolBodyLimit(t *testing.T) {
	s := resttest.Start(t)
	api := "im_open_login_svc/account_check"
	head, tail := `{"CheckItem":[{"UserID":"administrator"}]`, `}`
	pad := func(n int) string { return head + strings.Repeat(" ", n-len(head)-len(tail)) + tail }

	// Exactly MaxBodyBytes is accepted.
	resp := protoRaw(t, s, api, s.Query(), pad(restapi.MaxBodyBytes))
	protoEnv(t, "1 MB body", resp, 0, false)
	// One byte more is an HTTP parse error.
	resp = protoRaw(t, s, api, s.Query(), pad(restapi.MaxBodyBytes+1))
	protoEnv(t, "1 MB + 1 body", resp, 60002, false)
	// Much larger (the handler stops reading early).
	resp = protoRaw(t, s, api, s.Query(), pad(2*restapi.MaxBodyBytes))
	protoEnv(t, "2 MB body", resp, 60002, false)
}

func TestProtocolJSONParse(t *testing.T) {
	s := resttest.Start(t)
	for _, c := range protoAPIs {
		for _, body := range []string{"", "   \n\t", "{", `{"CheckItem":[}`, "not json", `{"a":1} trailing`, `{"a":1}{"b":2}`} {
			resp := protoRaw(t, s, c.api, s.Query(), body)
			protoEnv(t, fmt.Sprintf("%s body %q", c.api, body), resp, 60003, c.display)
		}
	}
}

func TestProtocolSDKAppID(t *testing.T) {
	s := resttest.Start(t)
	api, body := "im_open_login_svc/account_check", `{"CheckItem":[{"UserID":"x"}]}`
	for _, id := range []string{"abc", "-1", "1400000001x", "4294967296", "1400000002", "0"} {
		resp := protoRaw(t, s, api, protoWith(s, "sdkappid", id), body)
		protoEnv(t, "sdkappid="+id, resp, 60006, false)
	}
	resp := protoRaw(t, s, api, protoWith(s, "sdkappid", nil), body)
	protoEnv(t, "no sdkappid", resp, 60012, false)
	resp = protoRaw(t, s, api, protoWith(s, "sdkappid", ""), body)
	protoEnv(t, "empty sdkappid", resp, 60012, false)
	// Query names are case-sensitive.
	q := protoWith(s, "sdkappid", nil)
	q.Set("SdkAppId", fmt.Sprint(resttest.SDKAppID))
	resp = protoRaw(t, s, api, q, body)
	protoEnv(t, "SdkAppId", resp, 60012, false)
}

func TestProtocolUnknownResource(t *testing.T) {
	s := resttest.Start(t)
	for _, api := range []string{
		"im_open_login_svc/no_such_command",
		"no_such_svc/account_check",
		"im_open_login_svc",
		"",
		"im_open_login_svc/account_check/extra",
		"IM_OPEN_LOGIN_SVC/account_check",
		"openim/kick_not_here",
	} {
		resp := protoRaw(t, s, api, s.Query(), `{}`)
		protoEnv(t, "api "+api, resp, 60009, false)
	}
}

func TestProtocolIdentifierMissing(t *testing.T) {
	s := resttest.Start(t)
	for _, c := range protoAPIs {
		resp := protoRaw(t, s, c.api, protoWith(s, "identifier", nil), c.body)
		protoEnv(t, c.api+" no identifier", resp, 60004, c.display)
		resp = protoRaw(t, s, c.api, protoWith(s, "identifier", ""), c.body)
		protoEnv(t, c.api+" empty identifier", resp, 60004, c.display)
	}
}

func TestProtocolUserSigFailures(t *testing.T) {
	s := resttest.Start(t)
	now := time.Now()
	cases := []struct {
		name string
		sig  string
		want int
	}{
		{"expired", protoSig(t, resttest.SDKAppID, resttest.Key, resttest.Admin, 1, now.Add(-time.Hour)), 70001},
		{"empty", "", 70002},
		{"garbage", "this-is-not-a-usersig", 70003},
		{"other key", protoSig(t, resttest.SDKAppID, resttest.Key+"x", resttest.Admin, 3600, now), 70009},
		{"other user", protoSig(t, resttest.SDKAppID, resttest.Key, "someone_else", 3600, now), 70013},
		{"other app", protoSig(t, resttest.SDKAppID+1, resttest.Key, resttest.Admin, 3600, now), 70014},
	}
	for _, c := range cases {
		for _, a := range protoAPIs {
			resp := protoRaw(t, s, a.api, protoWith(s, "usersig", c.sig), a.body)
			protoEnv(t, c.name+" "+a.api, resp, c.want, a.display)
		}
	}
	// A missing usersig parameter is the same as an empty one.
	resp := protoRaw(t, s, protoAPIs[0].api, protoWith(s, "usersig", nil), protoAPIs[0].body)
	protoEnv(t, "no usersig", resp, 70002, false)

	// An expired sig does not become valid by being used after a valid one
	// was cached, and a valid sig still works after failures.
	resp = protoRaw(t, s, protoAPIs[0].api, s.Query(), protoAPIs[0].body)
	protoEnv(t, "valid after failures", resp, 0, false)
}

func TestProtocolFailedAuthHasNoSideEffect(t *testing.T) {
	s := resttest.Start(t)
	q := protoWith(s, "usersig", protoSig(t, resttest.SDKAppID, resttest.Key+"x", resttest.Admin, 3600, time.Now()))
	resp := protoRaw(t, s, "im_open_login_svc/account_import", q, `{"UserID":"sneaky"}`)
	protoEnv(t, "forged import", resp, 70009, false)
	resp = s.MustOK("im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": "sneaky"}}})
	if st := resttest.Items(resp, "ResultItem")[0]["AccountStatus"]; st != "NotImported" {
		t.Fatalf("forged import created the account: %v", resp)
	}
}

func TestProtocolNotAdmin(t *testing.T) {
	s := resttest.Start(t)
	s.Import("plainuser")
	sig := protoSig(t, resttest.SDKAppID, resttest.Key, "plainuser", 3600, time.Now())
	q := protoWith(s, "identifier", "plainuser", "usersig", sig)
	for _, c := range protoAPIs {
		resp := protoRaw(t, s, c.api, q, c.body)
		protoEnv(t, c.api+" as plain user", resp, c.notAdmin, c.display)
	}
	// A non-admin cannot import accounts either, and nothing is created.
	resp := protoRaw(t, s, "im_open_login_svc/account_import", q, `{"UserID":"byplain"}`)
	protoEnv(t, "import as plain user", resp, 70403, false)
	resp = protoRaw(t, s, "profile/portrait_set", q, `{"From_Account":"plainuser","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"x"}]}`)
	protoEnv(t, "portrait_set as plain user", resp, 40004, true)
	resp = s.MustOK("im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": "byplain"}}})
	if st := resttest.Items(resp, "ResultItem")[0]["AccountStatus"]; st != "NotImported" {
		t.Fatalf("non-admin import created the account: %v", resp)
	}
	// Even a user named like the admin in another app's terms is refused:
	// a valid sig of a non-existent, non-admin user.
	sig = protoSig(t, resttest.SDKAppID, resttest.Key, "ghost", 3600, time.Now())
	resp = protoRaw(t, s, protoAPIs[1].api, protoWith(s, "identifier", "ghost", "usersig", sig), protoAPIs[1].body)
	protoEnv(t, "ghost", resp, 40004, true)
}

func TestProtocolSecondAdmin(t *testing.T) {
	s := resttest.Start(t, func(a *app.App) { a.Admins = append(a.Admins, "ops_admin") })
	sig := protoSig(t, resttest.SDKAppID, resttest.Key, "ops_admin", 3600, time.Now())
	q := protoWith(s, "identifier", "ops_admin", "usersig", sig)
	for _, c := range protoAPIs {
		resp := protoRaw(t, s, c.api, q, c.body)
		protoEnv(t, c.api+" as second admin", resp, 0, c.display)
	}
}

func TestProtocolOfficialSignerAccepted(t *testing.T) {
	s := resttest.Start(t)
	sig, err := tencentyun.GenUserSig(resttest.SDKAppID, resttest.Key, resttest.Admin, 3600)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range protoAPIs {
		resp := protoRaw(t, s, c.api, protoWith(s, "usersig", sig), c.body)
		protoEnv(t, c.api+" official sig", resp, 0, c.display)
	}
	// The official signer with another key is refused with 70009.
	bad, err := tencentyun.GenUserSig(resttest.SDKAppID, strings.Repeat("f", len(resttest.Key)), resttest.Admin, 3600)
	if err != nil {
		t.Fatal(err)
	}
	resp := protoRaw(t, s, protoAPIs[0].api, protoWith(s, "usersig", bad), protoAPIs[0].body)
	protoEnv(t, "official sig other key", resp, 70009, false)
}

func TestProtocolRateLimit(t *testing.T) {
	const rate = 5
	s := resttest.Start(t, func(a *app.App) {
		a.RateLimits = map[string]float64{"im_open_login_svc/account_import": rate}
	})
	const n = 20
	users := make([]string, n)
	codes := make([]int, n)
	start := time.Now()
	for i := range n {
		users[i] = fmt.Sprintf("rl%02d", i)
		resp := protoRaw(t, s, "im_open_login_svc/account_import", s.Query(), `{"UserID":"`+users[i]+`"}`)
		codes[i] = resttest.Code(resp)
		if codes[i] != 0 && codes[i] != 60007 {
			t.Fatalf("call %d: code %d, want 0 or 60007: %v", i, codes[i], resp)
		}
		if codes[i] == 60007 {
			protoEnv(t, "refused import", resp, 60007, false)
		}
	}
	elapsed := time.Since(start)
	okCount := 0
	for _, c := range codes {
		if c == 0 {
			okCount++
		}
	}
	// A full bucket allows a burst of rate calls, plus whatever refilled
	// while the loop ran.
	maxOK := rate + int(math.Ceil(elapsed.Seconds()*rate))
	if okCount < rate || okCount > maxOK {
		t.Fatalf("%d of %d calls succeeded in %v, want %d..%d (codes %v)", okCount, n, elapsed, rate, maxOK, codes)
	}
	if okCount == n {
		t.Fatalf("no call was limited")
	}
	for i := range rate {
		if codes[i] != 0 {
			t.Fatalf("call %d of the initial burst was refused: %v", i, codes)
		}
	}

	// No refused call had any effect; another API is not limited by the
	// import key (and the default is unlimited here).
	items := make([]map[string]string, n)
	for i, u := range users {
		items[i] = map[string]string{"UserID": u}
	}
	for range 30 {
		s.MustOK("im_open_login_svc/account_check", map[string]any{"CheckItem": items})
	}
	resp := s.MustOK("im_open_login_svc/account_check", map[string]any{"CheckItem": items})
	got := resttest.Items(resp, "ResultItem")
	for i, it := range got {
		want := "Imported"
		if codes[i] == 60007 {
			want = "NotImported"
		}
		if it["UserID"] != users[i] || it["AccountStatus"] != want {
			t.Fatalf("item %d: %v, want %s %s (code %d)", i, it, users[i], want, codes[i])
		}
	}
	s.MustOK("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"other_api"}})

	// The bucket refills: after a pause the import works again.
	time.Sleep(time.Second / rate * 2)
	protoEnv(t, "import after refill", protoRaw(t, s, "im_open_login_svc/account_import", s.Query(), `{"UserID":"after_refill"}`), 0, false)
}

func TestProtocolRateLimitDefaultKey(t *testing.T) {
	// An unlimited API (rate 0) is never refused, however many calls.
	s := resttest.Start(t, func(a *app.App) {
		a.RateLimits = map[string]float64{"im_open_login_svc/account_import": 0, "default": 1}
	})
	for i := range 10 {
		resp := protoRaw(t, s, "im_open_login_svc/account_import", s.Query(), fmt.Sprintf(`{"UserID":"u%d"}`, i))
		protoEnv(t, "unlimited import", resp, 0, false)
	}
	// The "default" key applies to the other commands: one call per second.
	body := `{"CheckItem":[{"UserID":"u1"}]}`
	protoEnv(t, "first check", protoRaw(t, s, "im_open_login_svc/account_check", s.Query(), body), 0, false)
	protoEnv(t, "second check", protoRaw(t, s, "im_open_login_svc/account_check", s.Query(), body), 60007, false)
	// Profile has its own bucket under the default rate.
	protoEnv(t, "first portrait_get", protoRaw(t, s, "profile/portrait_get", s.Query(), protoAPIs[1].body), 0, true)
	protoEnv(t, "second portrait_get", protoRaw(t, s, "profile/portrait_get", s.Query(), protoAPIs[1].body), 60007, true)
}

// protoPost posts from any goroutine and returns the ErrorCode, or an
// error instead of failing the test.
func protoPost(s *resttest.Server, api string, q url.Values, body string) (int, error) {
	resp, err := http.Post(s.URL+"/v4/"+api+"?"+q.Encode(), "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var out struct{ ErrorCode json.Number }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return 0, err
	}
	n, err := out.ErrorCode.Int64()
	return int(n), err
}

func TestProtocolRateLimitConcurrent(t *testing.T) {
	const rate, n = 5, 20
	s := resttest.Start(t, func(a *app.App) {
		a.RateLimits = map[string]float64{"im_open_login_svc/account_import": rate}
	})
	codes := make([]int, n)
	errs := make([]error, n)
	start := time.Now()
	done := make(chan struct{})
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			codes[i], errs[i] = protoPost(s, "im_open_login_svc/account_import", s.Query(), fmt.Sprintf(`{"UserID":"cc%02d"}`, i))
		}()
	}
	for range n {
		<-done
	}
	elapsed := time.Since(start)
	okCount := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		switch codes[i] {
		case 0:
			okCount++
		case 60007:
		default:
			t.Fatalf("call %d: code %d, want 0 or 60007", i, codes[i])
		}
	}
	maxOK := rate + int(math.Ceil(elapsed.Seconds()*rate))
	if okCount < 1 || okCount > maxOK {
		t.Fatalf("%d of %d concurrent calls succeeded in %v, want 1..%d", okCount, n, elapsed, maxOK)
	}
	items := make([]map[string]string, n)
	for i := range n {
		items[i] = map[string]string{"UserID": fmt.Sprintf("cc%02d", i)}
	}
	resp := s.MustOK("im_open_login_svc/account_check", map[string]any{"CheckItem": items})
	for i, it := range resttest.Items(resp, "ResultItem") {
		want := "Imported"
		if codes[i] == 60007 {
			want = "NotImported"
		}
		if it["AccountStatus"] != want {
			t.Fatalf("cc%02d: %v, want %s (code %d)", i, it["AccountStatus"], want, codes[i])
		}
	}
}

func TestProtocolConcurrentCalls(t *testing.T) {
	// Unlimited: concurrent writers and readers all succeed.
	s := resttest.Start(t)
	const n = 16
	codes := make([]int, 3*n)
	errs := make([]error, 3*n)
	done := make(chan struct{})
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			codes[3*i], errs[3*i] = protoPost(s, "im_open_login_svc/account_import", s.Query(), fmt.Sprintf(`{"UserID":"par%02d","Nick":"N%d"}`, i, i))
		}()
		go func() {
			defer func() { done <- struct{}{} }()
			codes[3*i+1], errs[3*i+1] = protoPost(s, "im_open_login_svc/multiaccount_import", s.Query(), fmt.Sprintf(`{"Accounts":["pm%02da","pm%02db"]}`, i, i))
		}()
		go func() {
			defer func() { done <- struct{}{} }()
			codes[3*i+2], errs[3*i+2] = protoPost(s, "profile/portrait_get", s.Query(), `{"To_Account":["administrator"],"TagList":["Tag_Profile_IM_Nick"]}`)
		}()
	}
	for range 3 * n {
		<-done
	}
	for i := range codes {
		if errs[i] != nil || codes[i] != 0 {
			t.Fatalf("call %d: code %d err %v", i, codes[i], errs[i])
		}
	}
	for i := range n {
		if v := acctProfile(t, s, fmt.Sprintf("par%02d", i), "Tag_Profile_IM_Nick")["Tag_Profile_IM_Nick"]; v != fmt.Sprint("N", i) {
			t.Fatalf("par%02d nick %v", i, v)
		}
	}
}

func TestProtocolRateLimitBelowOnePerSecond(t *testing.T) {
	// One call every 4 seconds: the first call goes through (a rate below
	// 1/s must not refuse everything), the next is refused.
	s := resttest.Start(t, func(a *app.App) {
		a.RateLimits = map[string]float64{"im_open_login_svc/account_check": 0.25}
	})
	body := `{"CheckItem":[{"UserID":"x"}]}`
	protoEnv(t, "first call", protoRaw(t, s, "im_open_login_svc/account_check", s.Query(), body), 0, false)
	protoEnv(t, "second call", protoRaw(t, s, "im_open_login_svc/account_check", s.Query(), body), 60007, false)
}

func TestProtocolHealthAndMetrics(t *testing.T) {
	s := resttest.Start(t)
	resp, err := http.Get(s.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: HTTP %d: %s", resp.StatusCode, body)
	}

	s.MustOK("im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": "x"}}})
	s.MustOK("im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": "y"}}})
	protoRaw(t, s, "profile/portrait_get", protoWith(s, "usersig", "garbage"), `{}`)
	protoRaw(t, s, "nosuch/thing", s.Query(), `{}`)

	resp, err = http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: HTTP %d", resp.StatusCode)
	}
	text := string(body)
	for _, want := range []string{
		`parley_rest_requests_total{code="0",command="account_check",service="im_open_login_svc"} 2`,
		`parley_rest_requests_total{code="70003",command="portrait_get",service="profile"} 1`,
		`parley_rest_requests_total{code="60009",command="unknown",service="unknown"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, "parley_rest_requests_total") {
				t.Log(line)
			}
		}
	}
}

// Every answer carries its length, a large one too (not chunked): simple
// HTTP/1.1 clients rely on it to keep their connection.
func TestAnswersCarryTheirLength(t *testing.T) {
	s := resttest.Start(t)
	users := make([]string, 100)
	for i := range users {
		users[i] = fmt.Sprintf("friend%03d", i)
	}
	s.Import("owner")
	s.Import(users...)
	items := make([]map[string]any, len(users))
	for i, u := range users {
		items[i] = map[string]any{"To_Account": u, "AddSource": "AddSource_Type_test"}
	}
	if out := s.Call("sns/friend_add", map[string]any{"From_Account": "owner", "AddFriendItem": items, "ForceAddFlags": 1}); resttest.Code(out) != 0 {
		t.Fatalf("friend_add: %v", out)
	}
	resp, err := http.Post(s.URL+"/v4/sns/friend_get?"+s.Query().Encode(), "application/json", strings.NewReader(`{"From_Account":"owner","StartIndex":0}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(body) < 8<<10 {
		t.Fatalf("the answer is %d bytes; the test wants one past net/http's buffer", len(body))
	}
	if resp.ContentLength != int64(len(body)) || len(resp.TransferEncoding) != 0 {
		t.Errorf("Content-Length %d, Transfer-Encoding %v for a %d-byte answer; want its length, not chunked", resp.ContentLength, resp.TransferEncoding, len(body))
	}
}
