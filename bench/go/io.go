// SPDX-License-Identifier: MIT

// Blocking system call and network rows of go-bench: the Go peers of the
// syscall_handoff and tcp_echo rows of bench/gsched_bench.c.

package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	hoWarmup  = 5   // HO_WARMUP
	echoConns = 100 // ECHO_CONNS
	echoMsg   = 64  // ECHO_MSG
)

// benchSyscallHandoff: run with GOMAXPROCS=1. Goroutine A makes B
// runnable (a send to the channel B waits on puts B in the P's runnext),
// takes t0 and calls syscall.Read on an empty raw pipe: a blocking fd the
// netpoller knows nothing of, so the runtime treats the read as a blocking
// system call and sysmon retakes the P (handoffp), whose new M runs B,
// which takes t1. B then writes the pipe itself (package syscall, no cgo:
// there is no thread outside the runtime), so A returns. Before each
// round A waits (Gosched) until B is blocked on the channel again.
func benchSyscallHandoff() {
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		fail("pipe: " + err.Error())
	}
	total := hoWarmup + int(nOps)
	lat := make([]int64, total)
	base := time.Now()
	var t0 int64
	var bWaiting int32
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		one := []byte{'x'}
		for r := 0; r < total; r++ {
			atomic.StoreInt32(&bWaiting, 1)
			<-wake
			lat[r] = int64(time.Since(base)) - atomic.LoadInt64(&t0)
			if n, err := syscall.Write(p[1], one); n != 1 || err != nil {
				fail("write (pipe)")
			}
		}
		close(done)
	}()
	buf := make([]byte, 1)
	var c0 int64
	var tStart time.Time
	spins := 0
	for r := 0; r < total; r++ {
		if r == hoWarmup {
			c0, tStart = ctxsw(), time.Now()
		}
		for atomic.LoadInt32(&bWaiting) == 0 {
			runtime.Gosched()
			spins++
		}
		atomic.StoreInt32(&bWaiting, 0)
		wake <- struct{}{}
		atomic.StoreInt64(&t0, int64(time.Since(base)))
		if n, err := syscall.Read(p[0], buf); n != 1 || err != nil {
			fail("read (pipe)")
		}
	}
	d, csw := time.Since(tStart), ctxsw()-c0
	<-done
	syscall.Close(p[0])
	syscall.Close(p[1])
	l := lat[hoWarmup:]
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	pct := func(q int) float64 { return float64(l[(len(l)-1)*q/100]) / 1e3 }
	printRow("syscall_handoff", nOps, d, csw)
	fmt.Printf(" median_us=%.1f p10_us=%.1f p90_us=%.1f min_us=%.1f"+
		" max_us=%.1f wait_yields=%d\n", pct(50), pct(10), pct(90),
		float64(l[0])/1e3, float64(l[len(l)-1])/1e3, spins)
}

// benchTCPEcho: echoConns client goroutines, nOps round trips of echoMsg
// bytes in all, against a goroutine per accepted connection, with the
// net package (TCP_NODELAY is its default). The clock runs from all
// clients connected until all have their last echo.
func benchTCPEcho() {
	rounds := nOps / echoConns
	if rounds < 1 {
		rounds = 1
	}
	n := rounds * echoConns
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen: " + err.Error())
	}
	var served sync.WaitGroup
	served.Add(echoConns)
	t0 := time.Now()
	go func() {
		for i := 0; i < echoConns; i++ {
			c, err := ln.Accept()
			if err != nil {
				fail("accept: " + err.Error())
			}
			go func(c net.Conn) {
				buf := make([]byte, 4096)
				for {
					k, err := c.Read(buf)
					if err != nil {
						break
					}
					if _, err := c.Write(buf[:k]); err != nil {
						break
					}
				}
				c.Close()
				served.Done()
			}(c)
		}
	}()
	var connected, finished sync.WaitGroup
	start := make(chan struct{})
	connected.Add(echoConns)
	finished.Add(echoConns)
	for i := 0; i < echoConns; i++ {
		go func(id int) {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				fail("dial: " + err.Error())
			}
			connected.Done()
			<-start
			msg := bytes.Repeat([]byte{byte('a' + id%26)}, echoMsg)
			got := make([]byte, echoMsg)
			for r := int64(0); r < rounds; r++ {
				for b := 0; b < 8; b++ {
					msg[b] = byte(r >> (8 * b))
				}
				if _, err := c.Write(msg); err != nil {
					fail("write: " + err.Error())
				}
				if _, err := io.ReadFull(c, got); err != nil {
					fail("read: " + err.Error())
				}
				if !bytes.Equal(msg, got) {
					fail("echo differs")
				}
			}
			c.Close()
			finished.Done()
		}(i)
	}
	connected.Wait()
	c0, tStart := ctxsw(), time.Now()
	close(start)
	finished.Wait()
	d, csw := time.Since(tStart), ctxsw()-c0
	served.Wait()
	ln.Close()
	printRow("tcp_echo", n, d, csw)
	fmt.Printf(" rt_per_s=%.0f conns=%d rounds=%d msg=%d connect_ms=%.1f\n",
		float64(n)/d.Seconds(), echoConns, rounds, echoMsg,
		float64(tStart.Sub(t0).Nanoseconds())/1e6)
}
