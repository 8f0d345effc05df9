package lambdalogs

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// utf8BOM is the byte order mark some Windows tools write at the start of
// a UTF-8 file (Notepad, PowerShell 7's Out-File -Encoding utf8BOM).
var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// errUTF16 refuses an export written as UTF-16: what Windows PowerShell
// 5.1's `>` writes of the AWS CLI's output.
var errUTF16 = errors.New("the file is UTF-16 (as Windows PowerShell 5.1's `>` writes it), not the UTF-8 JSON the AWS CLI prints: " +
	"write it with `aws logs filter-log-events … --output json | Out-File -Encoding utf8 export.json`, or fetch it with -cloudwatch-group")

// skipBOM is r without a UTF-8 byte order mark at its start; a UTF-16 one
// is refused.
func skipBOM(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		br.Discard(len(utf8BOM))
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return nil, errUTF16
	}
	return br, nil
}
