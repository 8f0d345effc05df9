package jsonfield

import (
	"encoding/json"
	"reflect"
	"testing"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

type inner struct {
	Deep int `json:"deep"`
}

type sample struct {
	Plain  int
	Named  string  `json:"named"`
	Empty  float64 `json:"empty,omitempty"`
	Zero   bool    `json:"zero,omitzero"`
	Both   int     `json:"both,omitempty,omitzero"`
	Quoted int     `json:"quoted,string"`
	Dash   int     `json:"-"`
	Blank  string  `json:",omitempty"`
	inner
	_ int // unexported: neither written nor read
}

// TestOfIsEncodingJSON: the keys Of gives are the keys encoding/json
// writes, with the options it follows.
func TestOfIsEncodingJSON(t *testing.T) {
	typ := reflect.TypeFor[sample]()
	want := map[string]Field{
		"Plain":  {Key: "Plain"},
		"Named":  {Key: "named"},
		"Empty":  {Key: "empty", OmitEmpty: true},
		"Zero":   {Key: "zero", OmitZero: true},
		"Both":   {Key: "both", OmitEmpty: true, OmitZero: true},
		"Quoted": {Key: "quoted", Quoted: true},
		"Blank":  {Key: "Blank", OmitEmpty: true},
		"inner":  {Key: "inner"},
	}
	for i := range typ.NumField() {
		sf := typ.Field(i)
		f, ok := Of(sf)
		w, listed := want[sf.Name]
		assert.Check(t, is.Equal(ok, listed), sf.Name)
		assert.Check(t, is.DeepEqual(f, w), sf.Name)
	}
	// Every key encoding/json writes for a full value, Of finds.
	b, err := json.Marshal(sample{Plain: 1, Named: "n", Empty: 1, Zero: true, Both: 1, Quoted: 1, Blank: "b", inner: inner{Deep: 1}})
	assert.NilError(t, err)
	var keys map[string]any
	assert.NilError(t, json.Unmarshal(b, &keys))
	for k := range keys {
		_, ok := ByKey(typ, k)
		assert.Check(t, ok, "key %q", k)
	}
	assert.Check(t, is.Len(keys, 8))
	idx, ok := ByKey(typ, "deep")
	assert.Check(t, ok && reflect.DeepEqual(idx, []int{8, 0}), "an embedded struct's field is promoted: %v", idx)
	idx, ok = ByKey(typ, "NAMED")
	assert.Check(t, ok && reflect.DeepEqual(idx, []int{1}), "keys match in any case, as encoding/json reads them: %v", idx)
	_, ok = ByKey(typ, "_")
	assert.Check(t, !ok)
}
