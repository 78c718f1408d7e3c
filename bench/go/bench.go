// SPDX-License-Identifier: MIT

// Command bench is the Go side of `make bench` (run by tools/bench): the
// same workloads as bench/gsched_bench.c and bench/pthread_bench.c.
//
//	go-bench ROW [N [GOMAXPROCS]]
//
// ROW:
//
//	spawn_join  N goroutines that return at once, started and awaited in
//	            batches of 1000 with a sync.WaitGroup (ns per goroutine)
//	yield       two goroutines call runtime.Gosched() N times each
//	handoff     unbuffered channel ping-pong, N round trips
//	forkjoin    skewed fork-join over N elements, a goroutine per split;
//	            leaves per CPU from the getcpu system call
//	park        N goroutines blocked on a channel: memory per goroutine
//
// and the channel and sync rows of chansync.go (chan_pingpong,
// chan_buffered, chan_select, mutex_uncontended, once_done, mutex_contended, rwmutex,
// wg_fanin, ctx_cancel; chan_xproc has no Go peer) and the blocking
// system call and network rows of io.go (syscall_handoff, tcp_echo).
//
// It prints one line "row=... impl=go n=... key=value...". Build it with
// CGO_ENABLED=0 and GO111MODULE=off: it needs nothing but the standard
// library.
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

const (
	batch  = 1000
	fjLeaf = 100000 // FJ_LEAF in bench/bench.h
	maxCPU = 256

	sysGetcpu = 309 // getcpu(2) on x86_64; package syscall lacks it
)

var (
	nOps  int64
	procs int
)

func ctxsw() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Nvcsw + ru.Nivcsw
}

func printRow(name string, n int64, d time.Duration, csw int64) {
	fmt.Printf("row=%s impl=go n=%d procs=%d ns_per_op=%.1f ctxsw_per_op=%.3f",
		name, n, procs, float64(d.Nanoseconds())/float64(n),
		float64(csw)/float64(n))
}

func benchSpawnJoin() {
	var wg sync.WaitGroup
	c0, t0 := ctxsw(), time.Now()
	for done := int64(0); done < nOps; {
		k := nOps - done
		if k > batch {
			k = batch
		}
		wg.Add(int(k))
		for i := int64(0); i < k; i++ {
			go wg.Done()
		}
		wg.Wait()
		done += k
	}
	printRow("spawn_join", nOps, time.Since(t0), ctxsw()-c0)
	fmt.Printf(" batch=%d\n", batch)
}

func benchYield() {
	var wg sync.WaitGroup
	c0, t0 := ctxsw(), time.Now()
	wg.Add(2)
	for g := 0; g < 2; g++ {
		go func() {
			for i := int64(0); i < nOps; i++ {
				runtime.Gosched()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	printRow("yield", 2*nOps, time.Since(t0), ctxsw()-c0)
	fmt.Printf(" rounds=%d\n", nOps)
}

func benchHandoff() {
	ping, pong := make(chan struct{}), make(chan struct{})
	c0, t0 := ctxsw(), time.Now()
	go func() {
		for i := int64(0); i < nOps; i++ {
			<-ping
			pong <- struct{}{}
		}
	}()
	for i := int64(0); i < nOps; i++ {
		ping <- struct{}{}
		<-pong
	}
	printRow("handoff", nOps, time.Since(t0), ctxsw()-c0)
	fmt.Printf("\n")
}

var leaves [maxCPU]int64

func getcpu() int {
	var cpu uint32
	if _, _, e := syscall.RawSyscall(sysGetcpu,
		uintptr(unsafe.Pointer(&cpu)), 0, 0); e != 0 {
		return -1
	}
	return int(cpu)
}

// fjLeafSum is fj_leaf() of bench/bench.h.
func fjLeafSum(lo, hi uint64) uint64 {
	x, s := lo, uint64(0)
	for i := lo; i < hi; i++ {
		x = x*6364136223846793005 + i
		s += x >> 33
	}
	return s
}

func fjSum(lo, hi uint64) uint64 {
	if hi-lo <= fjLeaf {
		if cpu := getcpu(); cpu >= 0 && cpu < maxCPU {
			atomic.AddInt64(&leaves[cpu], 1)
		}
		return fjLeafSum(lo, hi)
	}
	mid := lo + (hi-lo)/4
	left := make(chan uint64, 1)
	go func() { left <- fjSum(lo, mid) }()
	right := fjSum(mid, hi)
	return <-left + right
}

func benchForkjoin() {
	c0, t0 := ctxsw(), time.Now()
	sum := fjSum(0, uint64(nOps))
	d := time.Since(t0)
	printRow("forkjoin", nOps, d, ctxsw()-c0)
	var total int64
	l := make([]string, runtime.NumCPU())
	for i := range l {
		n := atomic.LoadInt64(&leaves[i])
		total += n
		l[i] = strconv.FormatInt(n, 10)
	}
	fmt.Printf(" ms=%.1f sum=%d nleaves=%d leaves=%s\n",
		float64(d.Nanoseconds())/1e6, sum, total, strings.Join(l, ","))
}

// procKB reads "Key: 123 kB" from a /proc file.
func procKB(file, key string) int64 {
	f, err := os.Open(file)
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, key+":") {
			fields := strings.Fields(line[len(key)+1:])
			if len(fields) > 0 {
				v, _ := strconv.ParseInt(fields[0], 10, 64)
				return v
			}
		}
	}
	return -1
}

type memSnap struct {
	rssKB, kernKB int64
	sys           uint64
}

func snap() memSnap {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memSnap{
		rssKB: procKB("/proc/self/status", "VmRSS"),
		kernKB: procKB("/proc/meminfo", "Slab") +
			procKB("/proc/meminfo", "KernelStack") +
			procKB("/proc/meminfo", "PageTables"),
		sys: ms.Sys,
	}
}

func benchPark() {
	var started, exited sync.WaitGroup
	ch := make(chan struct{})
	runtime.GC()
	m0 := snap()
	c0, t0 := ctxsw(), time.Now()
	started.Add(int(nOps))
	exited.Add(int(nOps))
	for i := int64(0); i < nOps; i++ {
		go func() {
			started.Done()
			<-ch
			exited.Done()
		}()
	}
	started.Wait()
	// ns_per_op: starting them until all are blocked
	printRow("park", nOps, time.Since(t0), ctxsw()-c0)
	m1 := snap()
	close(ch)
	exited.Wait()
	n := float64(nOps)
	user := float64(m1.rssKB-m0.rssKB) * 1024 / n
	kern := float64(m1.kernKB-m0.kernKB) * 1024 / n
	fmt.Printf(" bytes_per_task=%.0f user_bytes_per_task=%.0f"+
		" kernel_bytes_per_task=%.0f memstats_sys_per_task=%.0f\n",
		user+kern, user, kern, float64(m1.sys-m0.sys)/n)
}

var rows = []struct {
	name string
	fn   func()
	n    int64
}{
	{"spawn_join", benchSpawnJoin, 100000},
	{"yield", benchYield, 100000},
	{"handoff", benchHandoff, 50000},
	{"forkjoin", benchForkjoin, 50000000},
	{"park", benchPark, 10000},
	{"chan_pingpong", benchChanPingpong, 50000},
	{"chan_buffered", benchChanBuffered, 200000},
	{"chan_select", benchChanSelect, 200000},
	{"mutex_uncontended", benchMutexUncontended, 200000},
	{"once_done", benchOnceDone, 1000000},
	{"mutex_contended", benchMutexContended, 200000},
	{"rwmutex", benchRWMutex, 200000},
	{"wg_fanin", benchWgFanin, 20000},
	{"ctx_cancel", benchCtxCancel, 10000},
	{"syscall_handoff", benchSyscallHandoff, 200},
	{"tcp_echo", benchTCPEcho, 10000},
}

func usage() {
	names := make([]string, len(rows))
	for i, r := range rows {
		names[i] = r.name
	}
	fmt.Fprintf(os.Stderr, "usage: go-bench ROW [N [GOMAXPROCS]]; ROW: %s\n",
		strings.Join(names, " "))
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	for _, r := range rows {
		if r.name != os.Args[1] {
			continue
		}
		nOps, procs = r.n, 2
		var err error
		if len(os.Args) > 2 {
			if nOps, err = strconv.ParseInt(os.Args[2], 10, 64); err != nil || nOps < 1 {
				usage()
			}
		}
		if len(os.Args) > 3 {
			if procs, err = strconv.Atoi(os.Args[3]); err != nil || procs < 1 {
				usage()
			}
		}
		runtime.GOMAXPROCS(procs)
		r.fn()
		return
	}
	usage()
}
