// Package onejson checks that a JSON document is exactly one value, with
// no duplicate key in any object and nothing after it. encoding/json alone
// lets the last of two equal keys win, and a Decoder stops after the first
// value, so a file with a repeated field or trailing text would be read
// without a word.
package onejson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxDepth bounds how deeply a checked document may nest.
const MaxDepth = 100

// Check reports the first reason doc is not exactly one JSON value without
// duplicate keys: a syntax error, a key that appears twice in one object
// (named with its path), nesting past MaxDepth, or data after the value.
func Check(doc []byte) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := value(dec, "", 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// value reads one value; path names it for errors.
func value(dec *json.Decoder, path string, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("nested more than %d deep at %s", MaxDepth, where(path))
	}
	tok, err := dec.Token()
	if err != nil {
		return syntax(err)
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return syntax(err)
			}
			key, _ := kt.(string)
			child := path + "." + key
			if seen[key] {
				return fmt.Errorf("duplicate key %s", where(child))
			}
			seen[key] = true
			if err := value(dec, child, depth+1); err != nil {
				return err
			}
		}
		_, err = dec.Token() // '}'
		return syntax(err)
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := value(dec, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
		_, err = dec.Token() // ']'
		return syntax(err)
	}
	return nil
}

func where(path string) string {
	if path == "" {
		return "the top"
	}
	return path[min(1, len(path)):]
}

func syntax(err error) error {
	if err == nil {
		return nil
	}
	if err == io.EOF {
		return errors.New("unexpected end of JSON input")
	}
	return err
}
