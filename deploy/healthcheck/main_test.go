package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHealthURL(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		listen string
		want   string
	}{
		{nil, "", "http://127.0.0.1:8080/healthz"},
		{nil, "0.0.0.0:9000", "http://127.0.0.1:9000/healthz"},
		{nil, "[::]:9001", "http://127.0.0.1:9001/healthz"},
		{[]string{"http://10.0.0.1:1/healthz"}, "0.0.0.0:9000", "http://10.0.0.1:1/healthz"},
	} {
		got, err := healthURL(tc.args, tc.listen)
		if err != nil || got != tc.want {
			t.Errorf("healthURL(%v, %q) = %q, %v; want %q", tc.args, tc.listen, got, err, tc.want)
		}
	}
	if _, err := healthURL(nil, "no-port"); err == nil {
		t.Error("PARLEY_LISTEN without a port: want an error")
	}
}

func TestCheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	if err := check(srv.URL + "/healthz"); err != nil {
		t.Fatalf("healthy node: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := check(srv.URL + "/healthz"); err == nil {
		t.Fatal("HTTP 503: want an error")
	}
	srv.Close()
	if err := check(srv.URL + "/healthz"); err == nil {
		t.Fatal("nothing listening: want an error")
	}
}
