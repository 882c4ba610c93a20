package integration

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// describe turns an error from sending a request or reading its response
// into the text of result.error, and says whether another attempt may
// help. Network errors (timeouts, refused or reset connections, DNS
// trouble other than "no such host") are retried; errors a retry cannot
// fix (an unknown host, TLS, a refused redirect, a malformed request) are
// not. parent is the context of the whole call: when it is done, the call
// was canceled rather than timed out.
func describe(err error, parent context.Context, timeout time.Duration) (msg string, retry bool) {
	var re *redirectError
	if errors.As(err, &re) {
		return re.msg, false
	}
	var ae *addrError
	if errors.As(err, &ae) {
		return ae.Error(), false
	}
	if perr := parent.Err(); perr != nil {
		return "call canceled: " + perr.Error(), false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout after " + timeout.String(), true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		switch {
		case dns.IsNotFound:
			return "host not found: " + dns.Name, false
		case dns.IsTimeout:
			return "DNS lookup of " + dns.Name + " timed out", true
		}
		return "DNS lookup of " + dns.Name + " failed: " + dns.Err, true
	}
	if t := tlsError(err); t != "" {
		return "TLS error: " + t, false
	}
	by := ""
	var op *net.OpError
	if errors.As(err, &op) && op.Addr != nil {
		by = " by " + op.Addr.String()
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused" + by, true
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset" + by, true
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "host unreachable" + strings.Replace(by, " by ", ": ", 1), true
	case errors.Is(err, syscall.ENETUNREACH):
		return "network unreachable" + strings.Replace(by, " by ", ": ", 1), true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed by the server before a complete response", true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout: " + inner(err).Error(), true
	}
	if op != nil {
		return "network error: " + inner(op).Error(), true
	}
	return "request failed: " + strings.TrimPrefix(inner(err).Error(), "net/http: "), false
}

// tlsError returns the text of a TLS failure in err, or "".
func tlsError(err error) string {
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) && cv.Err != nil {
		return cv.Err.Error()
	}
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	if errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) {
		return inner(err).Error()
	}
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) {
		return "the server did not answer with TLS (an https:// URL for a plain HTTP port?)"
	}
	var ae tls.AlertError
	if errors.As(err, &ae) {
		return ae.Error()
	}
	s := inner(err).Error()
	if strings.Contains(s, "server gave HTTP response to HTTPS client") {
		return "the server did not answer with TLS (an https:// URL for a plain HTTP port?)"
	}
	if strings.HasPrefix(s, "tls: ") {
		return s
	}
	return ""
}

// inner strips the wrappers whose text repeats the method and URL
// (url.Error) or the operation (net.OpError), keeping the cause.
func inner(err error) error {
	for {
		switch e := err.(type) {
		case *url.Error:
			if e.Err == nil {
				return err
			}
			err = e.Err
		case *net.OpError:
			if e.Err == nil {
				return err
			}
			err = e.Err
		default:
			return err
		}
	}
}
