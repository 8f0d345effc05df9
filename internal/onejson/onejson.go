// Package onejson checks that a JSON document is exactly one value, with
// no duplicate key in any object and nothing after it. encoding/json alone
// lets the last of two keys for one struct field win, and a Decoder stops
// after the first value, so a file with a repeated field or trailing text
// would be read without a word.
//
// Two keys are the same field when encoding/json would read them into
// one: it matches a key to a struct field regardless of case, so "a" and
// "A" are a duplicate in an object read into a struct. An object read into
// a map keeps every key as written, so its keys are duplicates only when
// equal: name such objects with Exact.
package onejson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxDepth bounds how deeply a checked document may nest.
const MaxDepth = 100

// Check reports the first reason doc is not exactly one JSON value without
// duplicate keys: a syntax error, a key that appears twice in one object
// (named with its path), nesting past MaxDepth, or data after the value.
// Keys are compared as encoding/json matches them to struct fields
// (regardless of case), except in the objects at the exact paths (as an
// error names them: "requests.by_error", "l[0].k"), which a reader decodes
// into maps: their keys are compared as written.
func Check(doc []byte, exact ...string) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	c := checker{dec: dec, exact: exact}
	if err := c.value("", 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// checker walks one document.
type checker struct {
	dec   *json.Decoder
	exact []string // the paths of objects whose keys are compared as written
}

// value reads one value; path names it for errors.
func (c checker) value(path string, depth int) error {
	dec := c.dec
	if depth > MaxDepth {
		return fmt.Errorf("nested more than %d deep at %s", MaxDepth, where(path))
	}
	tok, err := dec.Token()
	if err != nil {
		return syntax(err)
	}
	switch tok {
	case json.Delim('{'):
		exact := slices.Contains(c.exact, strings.TrimPrefix(path, "."))
		seen := map[string]string{} // a key as compared: the key as written
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return syntax(err)
			}
			key, _ := kt.(string)
			child := path + "." + key
			same := key
			if !exact {
				same = fold(key)
			}
			if first, ok := seen[same]; ok {
				if first != key {
					return fmt.Errorf("duplicate key %s (as %q: encoding/json matches keys regardless of case)", where(child), first)
				}
				return fmt.Errorf("duplicate key %s", where(child))
			}
			seen[same] = key
			if err := c.value(child, depth+1); err != nil {
				return err
			}
		}
		_, err = dec.Token() // '}'
		return syntax(err)
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := c.value(fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
		_, err = dec.Token() // ']'
		return syntax(err)
	}
	return nil
}

// fold is key as encoding/json compares it to a field name: keys with
// the same fold are equal under bytes.EqualFold (ASCII letters in upper
// case, any other rune the least of its Unicode simple-fold set).
func fold(key string) string {
	out := make([]byte, 0, len(key))
	for i := 0; i < len(key); {
		if c := key[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(key[i:])
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		out = utf8.AppendRune(out, r)
		i += n
	}
	return string(out)
}

func where(path string) string {
	if path == "" {
		return "the top"
	}
	return strings.TrimPrefix(path, ".")
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
