package live

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// handleSignals wires SIGINT and SIGTERM: the first closes stop (stop
// scheduling, drain), the second cancels the returned context (cancel calls
// in flight). release undoes it.
func handleSignals(ctx context.Context, out io.Writer) (context.Context, <-chan struct{}, func()) {
	ctx, cancel := context.WithCancel(ctx)
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			fmt.Fprintf(out, "%v: stopping; draining calls in flight (again to cancel them)\n", s)
			close(stop)
		case <-done:
			return
		}
		select {
		case s := <-sigs:
			fmt.Fprintf(out, "%v: cancelling calls in flight\n", s)
			cancel()
		case <-done:
		}
	}()
	return ctx, stop, func() { signal.Stop(sigs); close(done); cancel() }
}
