package lambdalogs

import (
	"bytes"
	"fmt"

	"github.com/lambda-reuse/lambda-reuse/reusetest/record"
)

// A message in Lambda's JSON log format is an object with "time", "type"
// and "record" (docs/sources.md [S15]): platform.initStart (its
// initializationType, phase, functionName, functionVersion and sometimes
// instanceId), platform.start (requestId, version, tenantId),
// platform.report (requestId, status, errorType, metrics with durationMs,
// memorySizeMB, maxMemoryUsedMB, initDurationMs, restoreDurationMs), the
// restore's and the init's reports. A function's own JSON lines have no
// platform type.

// jsonParser parses JSON messages with buffers of its own, reused.
type jsonParser struct {
	x                                        exportReader
	typ, req, status, errType, initType      []byte
	phase, version, function, tenant, instnc []byte
	num                                      []byte
}

// parseJSONMessage parses a JSON message into m.
func (j *jsonParser) parse(b []byte, m *message) string {
	m.json = true
	x := &j.x
	*x = exportReader{buf: b, n: len(b), eof: true, key: x.key}
	j.typ = j.typ[:0]
	for _, f := range []*[]byte{&j.req, &j.status, &j.errType, &j.initType, &j.phase, &j.version, &j.function, &j.tenant, &j.instnc} {
		*f = (*f)[:0]
	}
	var durMS, initMS, restoreMS, memSize, memUsed float64
	var haveDur, haveInit, haveRestore bool
	err := j.object(0, func(key string, depth int) (bool, error) {
		var err error
		str := func(dst *[]byte) error {
			c, _ := x.peek()
			if c != '"' {
				return x.skip(depth + 1)
			}
			*dst, _, err = x.str(*dst, 256)
			return err
		}
		num := func(dst *float64, have *bool) error {
			c, _ := x.peek()
			if c == '"' || c == '{' || c == '[' || c == 't' || c == 'f' || c == 'n' {
				return x.skip(depth + 1)
			}
			if j.num, err = x.number(j.num[:0]); err != nil {
				return err
			}
			v, ok := parseMSFloat(j.num)
			*dst = float64(v) / 1000
			if !ok {
				m.bad = fmt.Sprintf("impossible value: %s %s", key, j.num)
			}
			if have != nil {
				*have = ok
			}
			return nil
		}
		switch {
		case depth == 0 && key == "type":
			return true, str(&j.typ)
		case depth == 0 && key == "record", depth == 1 && key == "metrics":
			return false, nil // descend
		case depth == 1 && key == "requestId":
			return true, str(&j.req)
		case depth == 1 && key == "status":
			return true, str(&j.status)
		case depth == 1 && key == "errorType":
			return true, str(&j.errType)
		case depth == 1 && key == "initializationType":
			return true, str(&j.initType)
		case depth == 1 && key == "phase":
			return true, str(&j.phase)
		case depth == 1 && (key == "version" || key == "functionVersion"):
			return true, str(&j.version)
		case depth == 1 && key == "functionName":
			return true, str(&j.function)
		case depth == 1 && key == "tenantId":
			return true, str(&j.tenant)
		case depth == 1 && key == "instanceId":
			return true, str(&j.instnc)
		case depth == 2 && key == "durationMs":
			return true, num(&durMS, &haveDur)
		case depth == 2 && key == "initDurationMs":
			return true, num(&initMS, &haveInit)
		case depth == 2 && key == "restoreDurationMs":
			return true, num(&restoreMS, &haveRestore)
		case depth == 2 && key == "memorySizeMB":
			return true, num(&memSize, nil)
		case depth == 2 && key == "maxMemoryUsedMB":
			return true, num(&memUsed, nil)
		}
		return true, x.skip(depth + 1)
	})
	if err != nil {
		m.bad = "malformed JSON message: " + err.Error()
		return ""
	}
	switch string(j.typ) {
	case "platform.report":
		m.kind = kindReport
		if !haveDur && m.bad == "" {
			m.bad = "a platform.report without its durationMs"
		}
	case "platform.start":
		m.kind = kindStart
	case "platform.initStart", "platform.initReport", "platform.initRuntimeDone":
		m.kind = kindInit
		if string(j.typ) == "platform.initRuntimeDone" {
			return reasonPlatform
		}
	case "platform.restoreStart", "platform.restoreReport":
		m.kind = kindRestore
	case "":
		return reasonFunction
	default:
		if bytes.HasPrefix(j.typ, []byte("platform.")) {
			return reasonPlatform
		}
		return reasonFunction
	}
	m.req, m.errType, m.initType, m.phase, m.version, m.function, m.tenant, m.instance =
		j.req, j.errType, j.initType, j.phase, j.version, j.function, j.tenant, j.instnc
	if len(m.errType) == 0 {
		m.errType = nil
	}
	m.durUS, m.hasDur = int64(durMS*1000+0.5), haveDur
	if m.kind == kindInit || m.kind == kindRestore {
		// An init's or restore's report: its durationMs is the init's.
		m.initUS, m.durUS, m.hasDur = m.durUS, 0, false
	}
	if haveInit {
		m.initUS = int64(initMS*1000 + 0.5)
	}
	if haveRestore {
		m.initUS, m.restore = int64(restoreMS*1000+0.5), true
	}
	if memSize > record.MaxMemoryMB || memUsed > record.MaxMemoryMB || memSize < 0 || memUsed < 0 {
		m.bad = fmt.Sprintf("impossible value: memory %g MB used of %g MB", memUsed, memSize)
	}
	m.memSize, m.memUsed = int64(memSize), int64(memUsed)
	switch m.kind {
	case kindReport:
		m.setStatus(j.status)
	case kindInit, kindRestore:
		// An init's or restore's report: whether it failed (the next call
		// runs it again).
		if s := string(j.status); s != "" && s != "success" {
			m.status = statusError
		}
	}
	if (m.kind == kindReport || m.kind == kindStart) && m.bad == "" {
		return checkRequest(m)
	}
	return ""
}

// object walks the object at the reader's place, depth deep, calling f
// with each key: f reads its value and returns true, or returns false to
// have an object value walked in turn at depth+1.
func (j *jsonParser) object(depth int, f func(key string, depth int) (bool, error)) error {
	x := &j.x
	if err := x.expect('{'); err != nil {
		return err
	}
	for first := true; ; first = false {
		c, ok := x.peek()
		if !ok {
			return x.errSyntax("an object does not end")
		}
		if c == '}' {
			x.p++
			return nil
		}
		if !first {
			if err := x.expect(','); err != nil {
				return err
			}
		}
		var err error
		if x.key, _, err = x.str(x.key, 64); err != nil {
			return err
		}
		if err := x.expect(':'); err != nil {
			return err
		}
		done, err := f(string(x.key), depth)
		if err != nil {
			return err
		}
		if !done {
			if c, _ := x.peek(); c != '{' {
				if err := x.skip(depth + 1); err != nil {
					return err
				}
				continue
			}
			if err := j.object(depth+1, f); err != nil {
				return err
			}
		}
	}
}
