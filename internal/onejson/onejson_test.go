package onejson

import (
	"encoding/json"
	"strings"
	"testing"

	"gotest.tools/v3/assert"
)

func TestCheck(t *testing.T) {
	for _, ok := range []string{`{}`, `{"a":1,"b":{"a":2}}`, ` [1, {"x":[{"y":1},{"y":2}]}] `, `"s"`, `null`} {
		assert.Check(t, Check([]byte(ok)), "%s", ok)
	}
	for doc, want := range map[string]string{
		`{"a":1,"a":2}`:          "duplicate key a",
		`{"p":{"q":1,"q":1}}`:    "duplicate key p.q",
		`{"l":[{"k":1,"k":2}]}`:  "duplicate key l[0].k",
		`{"a":1} {"b":2}`:        "data after the JSON value",
		`{"a":1}x`:               "",
		`{"a":`:                  "unexpected end",
		``:                       "unexpected end",
		strings.Repeat(`[`, 200): "nested more than 100",
	} {
		err := Check([]byte(doc))
		assert.Check(t, err != nil && strings.Contains(err.Error(), want), "%q: %v", doc, err)
	}
}

// FuzzCheck: Check never panics, and whatever it accepts is valid JSON to
// encoding/json (json.Valid: one value, nothing after it).
func FuzzCheck(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `{"a":[1,2,{"b":null}]}`, `[[[[`, `{} {}`, `"\u00e9"`, `{"a":1}x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if Check(doc) == nil && !json.Valid(doc) {
			t.Fatalf("accepted %q, which is not valid JSON", doc)
		}
	})
}
