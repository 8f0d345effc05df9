package lambdalogs

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gotest.tools/v3/assert"
	is "gotest.tools/v3/assert/cmp"
)

// An export cut short by the CLI's --max-items ends with the CLI's
// NextToken, one of --no-paginate with the API's nextToken (both shapes
// as the real AWS CLI v2 printed them against moto's CloudWatch Logs): the
// reader reads its events, marks the summary's logs part partial and says
// so; a token that is null or empty, or none, is a whole export.
func TestAnExportCutShortByTheCLISaysItIsPartial(t *testing.T) {
	const report = `REPORT RequestId: 6f1c0f3e-7a53-4a51-9b54-8d2c7c3b2a10\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tInit Duration: 150.00 ms\t\n`
	export := func(tail string) string {
		return `{
    "events": [
        {
            "logStreamName": "2026/03/02/[$LATEST]0123456789abcdef0123456789abcdef",
            "timestamp": 1772409600000,
            "message": "` + report + `",
            "ingestionTime": 1772409601186,
            "eventId": "0"
        }
    ],
    "searchedLogStreams": [
        {
            "logStreamName": "2026/03/02/[$LATEST]0123456789abcdef0123456789abcdef",
            "searchedCompletely": true
        }
    ]` + tail + `
}
`
	}
	for _, tc := range []struct {
		name, tail string
		partial    bool
	}{
		{"max-items", `,
    "NextToken": "eyJuZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ=="`, true},
		{"no-paginate", `,
    "nextToken": "/aws/lambda/f@2026/03/02/[$LATEST]0123456789abcdef0123456789abcdef@0"`, true},
		{"null", `,
    "nextToken": null`, false},
		{"empty", `,
    "NextToken": ""`, false},
		{"whole", ``, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "export.json")
			assert.NilError(t, os.WriteFile(path, []byte(export(tc.tail)), 0o644))
			c, recs := readAll(t, path, Options{})
			assert.Check(t, is.Len(recs, 1))
			logs := c.Logs()
			assert.Check(t, is.Equal(logs.Partial, tc.partial))
			var b bytes.Buffer
			assert.NilError(t, logs.WriteTable(&b))
			assert.Check(t, is.Equal(strings.Contains(b.String(), "a part of the window only"), tc.partial), b.String())
		})
	}
	// The token may also come first, before the events: still an export.
	for _, key := range []string{"nextToken", "NextToken"} {
		path := filepath.Join(t.TempDir(), "export.json")
		first := strings.Replace(export(""), `{
    "events"`, `{
    "`+key+`": "abc",
    "events"`, 1)
		assert.NilError(t, os.WriteFile(path, []byte(first), 0o644))
		ok, err := IsExport(path)
		assert.NilError(t, err)
		assert.Check(t, ok, "an export that begins with %s", key)
		c, recs := readAll(t, path, Options{})
		assert.Check(t, is.Len(recs, 1))
		assert.Check(t, c.Logs().Partial)
	}
}
