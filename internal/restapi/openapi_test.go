package restapi_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/parleyim/parley/internal/restapi"
)

// TestOpenAPIMatchesRoutes keeps docs/openapi.yaml honest: every command the
// server routes is documented, every documented /v4 path is routed, and each
// is described the way every Tencent call works (POST, the common query
// parameters, a JSON body, the envelope in a 200).
func TestOpenAPIMatchesRoutes(t *testing.T) {
	raw, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Errorf("docs/openapi.yaml: want OpenAPI 3.0.x, got %q", v)
	}
	paths, _ := doc["paths"].(map[string]any)

	s := &restapi.Server{}
	s.Handler()
	routed := s.Routes()
	if len(routed) == 0 {
		t.Fatal("the server routes nothing")
	}
	var documented []string
	for p := range paths {
		if cmd, ok := strings.CutPrefix(p, "/v4/"); ok {
			documented = append(documented, cmd)
		}
	}
	slices.Sort(documented)
	for _, r := range routed {
		if !slices.Contains(documented, r) {
			t.Errorf("the server routes %s, docs/openapi.yaml has no path /v4/%s", r, r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routed, d) {
			t.Errorf("docs/openapi.yaml documents /v4/%s, which the server does not route (60009)", d)
		}
	}

	common := []string{"sdkappid", "identifier", "usersig", "random", "contenttype"}
	for _, cmd := range documented {
		item, _ := paths["/v4/"+cmd].(map[string]any)
		for method := range item {
			if method != "post" {
				t.Errorf("/v4/%s: %s documented; the REST door answers only POST (60002)", cmd, method)
			}
		}
		op, _ := item["post"].(map[string]any)
		if op == nil {
			t.Errorf("/v4/%s: no post operation", cmd)
			continue
		}
		var params []string
		for _, p := range asList(op["parameters"]) {
			ref, _ := asMap(p)["$ref"].(string)
			params = append(params, strings.TrimPrefix(ref, "#/components/parameters/"))
		}
		for _, want := range common {
			if !slices.Contains(params, want) {
				t.Errorf("/v4/%s: lacks the common query parameter %s", cmd, want)
			}
		}
		if asMap(asMap(asMap(op["requestBody"])["content"])["application/json"])["schema"] == nil {
			t.Errorf("/v4/%s: no JSON request body schema", cmd)
		}
		resp := asMap(asMap(asMap(asMap(op["responses"])["200"])["content"])["application/json"])["schema"]
		if resp == nil {
			t.Errorf("/v4/%s: no JSON schema for the 200 response", cmd)
		} else if !refersTo(resp, "#/components/schemas/Envelope", doc) {
			t.Errorf("/v4/%s: the 200 response does not carry the envelope (Envelope schema)", cmd)
		}
	}

	// A $ref to nothing is invisible in review and breaks every generator.
	walk(doc, func(ref string) {
		if resolve(doc, ref) == nil {
			t.Errorf("docs/openapi.yaml: $ref %s resolves to nothing", ref)
		}
	})
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }
func asList(v any) []any         { l, _ := v.([]any); return l }

// walk calls fn with every $ref in v.
func walk(v any, fn func(ref string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if ref, ok := e.(string); ok && k == "$ref" {
				fn(ref)
			}
			walk(e, fn)
		}
	case []any:
		for _, e := range x {
			walk(e, fn)
		}
	}
}

func resolve(doc map[string]any, ref string) any {
	path, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = doc
	for _, part := range strings.Split(path, "/") {
		cur = asMap(cur)[part]
	}
	return cur
}

// refersTo reports whether schema is ref, or reaches it through allOf or
// through other component schemas (BatchResult embeds the envelope).
func refersTo(schema any, ref string, doc map[string]any) bool {
	m := asMap(schema)
	if r, ok := m["$ref"].(string); ok {
		return r == ref || refersTo(resolve(doc, r), ref, doc)
	}
	for _, s := range asList(m["allOf"]) {
		if refersTo(s, ref, doc) {
			return true
		}
	}
	return false
}
