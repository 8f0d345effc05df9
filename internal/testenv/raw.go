package testenv

import (
	"bufio"
	"net"
)

// ServeRaw answers HTTP/1.1 requests on every connection ln accepts, from
// the bare bytes, until ln is closed: for tests that need what net/http
// hides (a request's head as sent, a connection reset mid-exchange) and
// for a benchmark's server that must do almost no work. For each request
// head (the request line and headers through the blank line; a body is not
// read), answer gets the head and how many requests the connection served
// before, and returns the bytes to write back, or nil to reset the
// connection there, as a crashed front end would. head is valid only
// during the call.
func ServeRaw(ln net.Listener, answer func(head []byte, served int) []byte) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go serveRawConn(c, answer)
	}
}

// serveRawConn answers the requests of one connection until it closes,
// a line overflows the buffer or answer says to reset.
func serveRawConn(c net.Conn, answer func(head []byte, served int) []byte) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 4096)
	var head []byte
	for served := 0; ; served++ {
		head = head[:0]
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return // the client closed the connection, or a line past 4 KiB
			}
			head = append(head, line...)
			if len(line) == 2 && line[0] == '\r' { // the blank line ending a head
				break
			}
		}
		out := answer(head, served)
		if out == nil {
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0) // a reset, not a clean close
			}
			return
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}
