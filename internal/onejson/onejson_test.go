package onejson

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

func TestCheck(t *testing.T) {
	for _, ok := range []string{`{}`, `{"a":1,"b":{"a":2}}`, ` [1, {"x":[{"y":1},{"y":2}]}] `, `"s"`, `null`} {
		assert.Check(t, Check([]byte(ok)), "%s", ok)
	}
	for doc, want := range map[string]string{
		`{"a":1,"a":2}`:           "duplicate key a",
		`{"p":{"q":1,"q":1}}`:     "duplicate key p.q",
		`{"l":[{"k":1,"k":2}]}`:   "duplicate key l[0].k",
		`[{"k":1,"k":2}]`:         "duplicate key [0].k",
		`{"a":1,"A":2}`:           `duplicate key A (as "a": encoding/json matches keys regardless of case)`,
		`{"Kelvin":1,"Kelvin":2}`: "duplicate key Kelvin",
		`{"a":1} {"b":2}`:         "data after the JSON value",
		`{"a":1}x`:                "",
		`{"a":`:                   "unexpected end",
		``:                        "unexpected end",
		strings.Repeat(`[`, 200):  "nested more than 100",
	} {
		err := Check([]byte(doc))
		assert.Check(t, err != nil && strings.Contains(err.Error(), want), "%q: %v", doc, err)
	}
}

// TestCheckExact: the keys of an object named exact (one a reader decodes
// into a map) are compared as written; every other object's still fold.
func TestCheckExact(t *testing.T) {
	assert.Check(t, Check([]byte(`{"m":{"a":1,"A":2}}`), "m"))
	assert.Check(t, Check([]byte(`{"r":{"m":{"a":1,"A":2}}}`), "r.m"))
	assert.Check(t, is.ErrorContains(Check([]byte(`{"m":{"a":1,"a":2}}`), "m"), "duplicate key m.a"))
	assert.Check(t, is.ErrorContains(Check([]byte(`{"m":{"a":1},"M":{}}`), "m"), "duplicate key M"))
	assert.Check(t, is.ErrorContains(Check([]byte(`{"n":{"a":1,"A":2}}`), "m"), "duplicate key n.A"))
}

// TestCheckFoldsAsEncodingJSON: two keys are a duplicate exactly when
// encoding/json reads both into one struct field, over keys that differ in
// ASCII case, in Unicode case (the Kelvin sign folds to k, the long s to
// s) and not at all.
func TestCheckFoldsAsEncodingJSON(t *testing.T) {
	keys := []string{"k", "K", "K", "s", "S", "ſ", "é", "É", "e", "ab", "aB", "Ab", "a b", "σ", "Σ", "ς"}
	for _, k1 := range keys {
		typ := reflect.StructOf([]reflect.StructField{{Name: "F", Type: reflect.TypeFor[*int](), Tag: reflect.StructTag(`json:"` + k1 + `"`)}})
		for _, k2 := range keys {
			doc, err := json.Marshal(map[string]int{k2: 1})
			assert.NilError(t, err)
			v := reflect.New(typ)
			assert.NilError(t, json.Unmarshal(doc, v.Interface()))
			oneField := !v.Elem().Field(0).IsNil()
			pair := fmt.Sprintf(`{%q:1,%q:2}`, k1, k2)
			err = Check([]byte(pair))
			assert.Check(t, is.Equal(err != nil, oneField), "%s: encoding/json reads both into one field: %v; Check: %v", pair, oneField, err)
		}
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
