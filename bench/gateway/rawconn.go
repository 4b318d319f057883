package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/usersig"
)

// rawConn is a minimal protocol client: the load generator shares the
// machine with the server, so it carries nothing it does not need.
type rawConn struct {
	nc net.Conn
}

func mustDial(addr string) *rawConn {
	for attempt := 0; ; attempt++ {
		nc, _, _, err := ws.Dial(context.Background(), fmt.Sprintf("ws://%s/v1/ws?sdkappid=%d", addr, appID))
		if err == nil {
			return &rawConn{nc: nc}
		}
		if attempt == 5 {
			log.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *rawConn) request(op string, data any) map[string]any {
	b, _ := json.Marshal(map[string]any{"v": 1, "id": "1", "op": op, "data": data})
	if err := wsutil.WriteClientText(c.nc, b); err != nil {
		log.Fatal(err)
	}
	for {
		msg, _, err := wsutil.ReadServerData(c.nc)
		if err != nil {
			log.Fatal(err)
		}
		var f map[string]any
		json.Unmarshal(msg, &f)
		if f["id"] == "1" {
			if f["code"].(float64) != 0 {
				log.Fatalf("%s: %v", op, f)
			}
			return f
		}
	}
}

func (c *rawConn) login(user, platform string) {
	sig, _ := usersig.Generate(appID, key, user, 86400, time.Now())
	c.request("login", map[string]string{"userID": user, "userSig": sig, "platform": platform})
}

type restClient struct {
	base  string
	query string
	hc    *http.Client
}

func newREST(addr string) *restClient {
	sig, _ := usersig.Generate(appID, key, "admin", 86400, time.Now())
	q := url.Values{"sdkappid": {fmt.Sprint(appID)}, "identifier": {"admin"}, "usersig": {sig}, "random": {"1"}, "contenttype": {"json"}}
	return &restClient{base: "http://" + addr + "/v4/", query: "?" + q.Encode(), hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

func (r *restClient) mustOK(api, body string) {
	resp, err := r.hc.Post(r.base+api+r.query, "application/json", strings.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if out["ErrorCode"].(float64) != 0 {
		log.Fatalf("%s: %v", api, out)
	}
	if items, ok := out["ResultItem"].([]any); ok {
		for _, it := range items {
			if it.(map[string]any)["ResultCode"].(float64) != 0 {
				log.Fatalf("%s: %v", api, out)
			}
		}
	}
}
