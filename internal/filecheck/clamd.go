package filecheck

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"ortlos/internal/apperr"
)

// Default timeouts and sizes of the clamd client.
const (
	// DefaultClamdTimeout bounds connecting and every single read or write
	// while a stream is sent: a clamd that stops taking data fails the
	// scan after this long.
	DefaultClamdTimeout = 30 * time.Second
	// DefaultClamdScanTimeout bounds the wait for the verdict after the
	// last byte was sent (clamd scans only then; large archives take a
	// while).
	DefaultClamdScanTimeout = 5 * time.Minute
	// clamdChunk is the size of one INSTREAM chunk.
	clamdChunk = 64 << 10
	// maxClamdReply bounds a reply of clamd.
	maxClamdReply = 4 << 10
)

// Clamd is a client of the ClamAV daemon clamd: it sends content with the
// INSTREAM command (over a Unix socket or TCP, one connection per scan) and
// reads the verdict. It implements Scanner. The zero value is not usable;
// use NewClamd.
type Clamd struct {
	// Network is "unix" or "tcp"; Addr the socket path or host:port.
	Network, Addr string
	// Timeout bounds connecting and each read and write
	// (DefaultClamdTimeout when 0).
	Timeout time.Duration
	// ScanTimeout bounds the wait for the verdict after the content was
	// sent (DefaultClamdScanTimeout when 0).
	ScanTimeout time.Duration
}

// ParseClamdAddr parses the address of clamd as an operator configures it
// (e.g. ORTLOS_CLAMD_ADDR): "unix:/run/clamav/clamd.ctl" or an absolute
// path for a Unix socket, "tcp://host:3310" or "host:3310" for TCP.
func ParseClamdAddr(s string) (network, addr string, err error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", "", errors.New("filecheck: the clamd address is empty")
	case strings.HasPrefix(s, "unix:"):
		s = strings.TrimPrefix(strings.TrimPrefix(s, "unix:"), "//")
		if !strings.HasPrefix(s, "/") {
			return "", "", fmt.Errorf("filecheck: clamd socket %q is not an absolute path", s)
		}
		return "unix", s, nil
	case strings.HasPrefix(s, "/"):
		return "unix", s, nil
	}
	s = strings.TrimPrefix(s, "tcp://")
	host, port, err := net.SplitHostPort(s)
	if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
		return "", "", fmt.Errorf("filecheck: clamd address %q is neither host:port nor an absolute socket path", s)
	}
	return "tcp", s, nil
}

// NewClamd returns a client of the clamd at addr (see ParseClamdAddr) with
// the default timeouts. It does not connect; call Ping to check.
func NewClamd(addr string) (*Clamd, error) {
	network, a, err := ParseClamdAddr(addr)
	if err != nil {
		return nil, err
	}
	return &Clamd{Network: network, Addr: a}, nil
}

func (c *Clamd) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultClamdTimeout
}

func (c *Clamd) scanTimeout() time.Duration {
	if c.ScanTimeout > 0 {
		return c.ScanTimeout
	}
	return DefaultClamdScanTimeout
}

// String describes the client for logs.
func (c *Clamd) String() string { return "clamd " + c.Network + ":" + c.Addr }

// dial connects to clamd; the connection is closed when ctx ends, which
// interrupts any read or write.
func (c *Clamd) dial(ctx context.Context) (net.Conn, func(), error) {
	d := net.Dialer{Timeout: c.timeout()}
	conn, err := d.DialContext(ctx, c.Network, c.Addr)
	if err != nil {
		return nil, nil, fmt.Errorf("filecheck: connect to clamd: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	return conn, func() { stop(); conn.Close() }, nil
}

// command sends a command without payload ("PING", "VERSION") and returns
// the reply.
func (c *Clamd) command(ctx context.Context, cmd string) (string, error) {
	conn, done, err := c.dial(ctx)
	if err != nil {
		return "", err
	}
	defer done()
	conn.SetDeadline(time.Now().Add(c.timeout()))
	if _, err := conn.Write([]byte("z" + cmd + "\x00")); err != nil {
		return "", ctxErr(ctx, fmt.Errorf("filecheck: clamd %s: %w", cmd, err))
	}
	reply, err := readReply(conn)
	if err != nil {
		return "", ctxErr(ctx, fmt.Errorf("filecheck: clamd %s: %w", cmd, err))
	}
	return reply, nil
}

// Ping checks that clamd answers.
func (c *Clamd) Ping(ctx context.Context) error {
	reply, err := c.command(ctx, "PING")
	if err != nil {
		return err
	}
	if reply != "PONG" {
		return fmt.Errorf("filecheck: clamd PING: unexpected reply %q", reply)
	}
	return nil
}

// Version returns clamd's version line, e.g. "ClamAV 1.4.6/27000/…".
func (c *Clamd) Version(ctx context.Context) (string, error) {
	return c.command(ctx, "VERSION")
}

// Scan sends the content of r to clamd and returns the name of the
// malware clamd found in it, "" when it is clean. Errors (no connection,
// timeout, an ERROR reply) mean there is no verdict; content over clamd's
// StreamMaxLength is the error virus_scan_too_large. Scan stops reading r
// when it fails.
func (c *Clamd) Scan(ctx context.Context, r io.Reader) (string, error) {
	conn, done, err := c.dial(ctx)
	if err != nil {
		return "", err
	}
	defer done()
	conn.SetDeadline(time.Now().Add(c.timeout()))
	if _, err := conn.Write([]byte("zINSTREAM\x00")); err != nil {
		return "", ctxErr(ctx, fmt.Errorf("filecheck: clamd INSTREAM: %w", err))
	}
	buf := make([]byte, 4+clamdChunk)
	for {
		n, rerr := io.ReadFull(r, buf[4:])
		if err := ctx.Err(); err != nil {
			return "", err
		}
		if n > 0 {
			binary.BigEndian.PutUint32(buf, uint32(n))
			conn.SetDeadline(time.Now().Add(c.timeout()))
			if _, err := conn.Write(buf[:4+n]); err != nil {
				// clamd closes the connection after refusing a stream
				// (size limit): its reply says why.
				return "", ctxErr(ctx, c.replyAfterWriteError(conn, err))
			}
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return "", fmt.Errorf("filecheck: clamd INSTREAM: read content: %w", rerr)
		}
	}
	conn.SetDeadline(time.Now().Add(c.timeout()))
	if _, err := conn.Write([]byte{0, 0, 0, 0}); err != nil {
		return "", ctxErr(ctx, c.replyAfterWriteError(conn, err))
	}
	conn.SetDeadline(time.Now().Add(c.scanTimeout()))
	reply, err := readReply(conn)
	if err != nil {
		return "", ctxErr(ctx, fmt.Errorf("filecheck: clamd INSTREAM: %w", err))
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return parseScanReply(reply)
}

// replyAfterWriteError reads the reply clamd may have sent before it
// closed the connection, and returns the error it means, or werr.
func (c *Clamd) replyAfterWriteError(conn net.Conn, werr error) error {
	conn.SetReadDeadline(time.Now().Add(min(c.timeout(), 5*time.Second)))
	reply, err := readReply(conn)
	if err != nil || reply == "" {
		return fmt.Errorf("filecheck: clamd INSTREAM: send: %w", werr)
	}
	_, err = parseScanReply(reply)
	if err == nil {
		err = fmt.Errorf("filecheck: clamd INSTREAM: send: %w (reply %q)", werr, reply)
	}
	return err
}

// readReply reads one reply of clamd: up to a NUL byte (z-commands), or a
// newline, or the end of the connection.
func readReply(conn net.Conn) (string, error) {
	br := bufio.NewReaderSize(io.LimitReader(conn, maxClamdReply), 512)
	var b bytes.Buffer
	for {
		c, err := br.ReadByte()
		if err == io.EOF && b.Len() > 0 {
			break
		}
		if err != nil {
			return "", err
		}
		if c == 0 || c == '\n' {
			break
		}
		b.WriteByte(c)
	}
	return strings.TrimSpace(b.String()), nil
}

// parseScanReply interprets clamd's reply to INSTREAM: "stream: OK",
// "stream: <name> FOUND", "INSTREAM size limit exceeded. ERROR",
// "<message> ERROR".
func parseScanReply(reply string) (string, error) {
	body := strings.TrimSpace(strings.TrimPrefix(reply, "stream:"))
	switch {
	case body == "OK":
		return "", nil
	case strings.HasSuffix(body, " FOUND"):
		sig := strings.TrimSpace(strings.TrimSuffix(body, " FOUND"))
		if sig == "" {
			sig = "unknown"
		}
		return sig, nil
	case strings.Contains(reply, "size limit exceeded"):
		return "", apperr.Wrap(apperr.Invalid, "virus_scan_too_large", "the file is larger than the virus scanner accepts (clamd StreamMaxLength)",
			fmt.Errorf("clamd: %s", reply)).WithField("file", "virus_scan_too_large")
	}
	return "", fmt.Errorf("filecheck: clamd: unexpected reply %q", reply)
}

// ctxErr prefers the context's error when ctx ended: the connection was
// closed because of it.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%w (%w)", cerr, err)
	}
	return err
}
