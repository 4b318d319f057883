// Package grafana holds Parley's Grafana dashboard (parley.json); its test
// keeps the dashboard's queries in step with the metrics a node exposes.
package grafana

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

// exprs returns every PromQL expression of the dashboard: panel targets,
// and the metric of each label_values() template query.
func exprs(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("parley.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parley.json: %v", err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "expr" || (k == "definition" && strings.HasPrefix(s, "label_values("))) {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return out
}

var (
	strLit     = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	braces     = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]`)
	grouping   = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	identifier = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*`)
	// labelValuesLabel is label_values()'s second argument, a label name.
	labelValuesLabel = regexp.MustCompile(`,\s*[A-Za-z_][A-Za-z0-9_]*\s*\)`)
	keywords         = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true}
)

// metricNames returns the metric names expr selects: identifiers that are
// not functions, keywords, label names or label values.
func metricNames(expr string) []string {
	e := strLit.ReplaceAllString(expr, `""`)
	e = braces.ReplaceAllString(e, " ")
	e = grouping.ReplaceAllString(e, " ")
	e = labelValuesLabel.ReplaceAllString(e, ")")
	var names []string
	for _, loc := range identifier.FindAllStringIndex(e, -1) {
		name := e[loc[0]:loc[1]]
		rest := strings.TrimLeft(e[loc[1]:], " ")
		if keywords[name] || strings.HasPrefix(rest, "(") {
			continue
		}
		// A digit run such as 0.99 is not an identifier start; "e" of 1e3
		// is not used in the dashboard.
		names = append(names, name)
	}
	return names
}

func TestMetricNamesParser(t *testing.T) {
	got := metricNames(`histogram_quantile(0.99, sum by (le, service) (rate(parley_x_bucket{instance=~"$instance", a="b,c"}[$__rate_interval]))) / on (instance) go_y`)
	if strings.Join(got, " ") != "parley_x_bucket go_y" {
		t.Fatalf("got %v", got)
	}
	if got := metricNames(`label_values(parley_gateway_sessions, instance)`); strings.Join(got, " ") != "parley_gateway_sessions" {
		t.Fatalf("label_values: %v", got)
	}
}

// exposed scrapes a node's /metrics, after one REST call so that the REST
// families have a series, and returns every sample name it may carry:
// histograms and summaries expose _bucket/_sum/_count (and a summary its
// own name for quantiles).
func exposed(t *testing.T) map[string]bool {
	t.Helper()
	s := resttest.Start(t)
	s.Import("alice")
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	names := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] != "#" || f[1] != "TYPE" {
			continue
		}
		name, typ := f[2], f[3]
		names[name] = true
		switch typ {
		case "histogram":
			names[name+"_bucket"], names[name+"_sum"], names[name+"_count"] = true, true, true
		case "summary":
			names[name+"_sum"], names[name+"_count"] = true, true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// Every metric the dashboard queries is one a node exposes.
func TestDashboardQueriesExposedMetrics(t *testing.T) {
	have := exposed(t)
	all := exprs(t)
	if len(all) < 10 {
		t.Fatalf("only %d expressions in parley.json", len(all))
	}
	used := map[string]bool{}
	for _, e := range all {
		names := metricNames(e)
		if len(names) == 0 {
			t.Errorf("no metric found in %q", e)
		}
		for _, n := range names {
			used[n] = true
			if !have[n] {
				t.Errorf("%q queries %s, which the node does not expose", e, n)
			}
		}
	}
	// The panels the operations issue asks for are there.
	for _, n := range []string{"parley_gateway_sessions", "parley_gateway_logins_total", "parley_gateway_kicks_total",
		"parley_messages_sent_total", "parley_gateway_pushes_delivered_total", "parley_gateway_pushes_dropped_total",
		"parley_rest_requests_total", "parley_rest_request_duration_seconds_bucket", "parley_gateway_slow_consumer_closes_total",
		"parley_store_commit_duration_seconds_bucket", "parley_store_commit_batch_size_bucket", "go_goroutines"} {
		if !used[n] {
			t.Errorf("the dashboard does not chart %s", n)
		}
	}
}
