package driver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// CPU pinning: the server under test gets CPU 0, everything else CPU 1.
const (
	serverCPU = 0
	otherCPU  = 1
)

// proc is a child process: a demo service, a system under test or the load
// generator. Its output goes to a log file in the run's directory.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// launcher starts processes, pinned when it can.
type launcher struct {
	dir string
	pin bool
}

// command is bin args, pinned to cpu with GOMAXPROCS=1 when the launcher
// pins, with env added to this process's environment.
func (l launcher) command(ctx context.Context, cpu int, env []string, bin string, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	if l.pin {
		cmd = exec.CommandContext(ctx, "taskset", append([]string{"-c", strconv.Itoa(cpu), bin}, args...)...)
		env = append(env, "GOMAXPROCS=1")
	} else {
		cmd = exec.CommandContext(ctx, bin, args...)
	}
	cmd.Env = append(os.Environ(), env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// start starts a long-running process.
func (l launcher) start(ctx context.Context, name string, cpu int, env []string, bin string, args ...string) (*proc, error) {
	cmd := l.command(ctx, cpu, env, bin, args...)
	path := filepath.Join(l.dir, name+".log")
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: path, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// pid is the process's id; with taskset it is the pinned program's, since
// taskset execs it.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop ends the process with SIGTERM, then SIGKILL after 5 s.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// waitHTTP polls url until it answers 200, the process exits or the timeout
// passes.
func (p *proc) waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	c := &http.Client{Timeout: time.Second, Transport: &http.Transport{}}
	defer c.CloseIdleConnections()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited (%v); see %s", p.name, p.err, p.log)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %s did not answer within %s; see %s", p.name, url, timeout, p.log)
		}
	}
}

// freeAddrs returns n loopback addresses with free ports. Another process
// could take one before it is used; on loopback, in a benchmark, that is a
// risk worth taking for fixed addresses to hand to each process.
func freeAddrs(n int) ([]string, error) {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	out := make([]string, n)
	for i := range out {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		out[i] = ln.Addr().String()
	}
	return out, nil
}

// canPin reports whether taskset exists and there are two CPUs to pin to.
func canPin(nproc int) error {
	if nproc < 2 {
		return errors.New("fewer than 2 CPUs")
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return errors.New("no taskset (util-linux)")
	}
	return nil
}
