// SPDX-License-Identifier: MIT

// Channel and sync rows of go-bench: the Go peers of the chan_*, mutex_*,
// rwmutex, wg_fanin and ctx_cancel rows of bench/gsched_bench.c. Values
// are int64, as gsched's are longs. chan_xproc has no Go peer.

package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

const (
	chanCap   = 128 // CHAN_CAP
	selChans  = 4   // SEL_CHANS
	lockTasks = 4   // LOCK_TASKS
)

func fail(what string) {
	fmt.Fprintf(os.Stderr, "go-bench: %s\n", what)
	os.Exit(1)
}

func benchChanPingpong() {
	ping, pong := make(chan int64), make(chan int64)
	c0, t0 := ctxsw(), time.Now()
	go func() {
		for i := int64(0); i < nOps; i++ {
			pong <- (<-ping) + 1
		}
	}()
	v := int64(0)
	for i := int64(0); i < nOps; i++ {
		ping <- v
		v = <-pong
	}
	printRow("chan_pingpong", nOps, time.Since(t0), ctxsw()-c0)
	fmt.Printf("\n")
	if v != nOps {
		fail("ping-pong count")
	}
}

func produce(ch chan<- int64, count int64, wg *sync.WaitGroup) {
	for i := int64(0); i < count; i++ {
		ch <- i
	}
	wg.Done()
}

func producedSum(count, k int64) int64 {
	return k * (count * (count - 1) / 2)
}

func benchChanBuffered() {
	var wg sync.WaitGroup
	ch := make(chan int64, chanCap)
	sum := int64(0)
	c0, t0 := ctxsw(), time.Now()
	wg.Add(1)
	go produce(ch, nOps, &wg)
	for i := int64(0); i < nOps; i++ {
		sum += <-ch
	}
	wg.Wait()
	printRow("chan_buffered", nOps, time.Since(t0), ctxsw()-c0)
	fmt.Printf(" cap=%d\n", chanCap)
	if sum != producedSum(nOps, 1) {
		fail("buffered sum")
	}
}

func benchChanSelect() {
	var wg sync.WaitGroup
	var picks [selChans]int64
	n := nOps / selChans * selChans
	if n < selChans {
		fail("N below the number of channels")
	}
	var ch [selChans]chan int64
	for k := range ch {
		ch[k] = make(chan int64, chanCap)
	}
	sum := int64(0)
	c0, t0 := ctxsw(), time.Now()
	wg.Add(selChans)
	for k := range ch {
		go produce(ch[k], n/selChans, &wg)
	}
	for i := int64(0); i < n; i++ {
		var v int64
		select {
		case v = <-ch[0]:
			picks[0]++
		case v = <-ch[1]:
			picks[1]++
		case v = <-ch[2]:
			picks[2]++
		case v = <-ch[3]:
			picks[3]++
		}
		sum += v
	}
	wg.Wait()
	printRow("chan_select", n, time.Since(t0), ctxsw()-c0)
	fmt.Printf(" cap=%d chans=%d picks=%d,%d,%d,%d\n", chanCap, selChans,
		picks[0], picks[1], picks[2], picks[3])
	if sum != producedSum(n/selChans, selChans) {
		fail("select sum")
	}
}

var sharedCounter int64

func benchOnceDone() {
	var once sync.Once
	calls := 0
	fn := func() { calls++ }
	once.Do(fn)
	c0, t0 := ctxsw(), time.Now()
	for i := int64(0); i < nOps; i++ {
		once.Do(fn)
	}
	printRow("once_done", nOps, time.Since(t0), ctxsw()-c0)
	fmt.Printf("\n")
}

func benchMutexUncontended() {
	var mu sync.Mutex
	c0, t0 := ctxsw(), time.Now()
	for i := int64(0); i < nOps; i++ {
		mu.Lock()
		sharedCounter++
		mu.Unlock()
	}
	printRow("mutex_uncontended", nOps, time.Since(t0), ctxsw()-c0)
	fmt.Printf("\n")
}

func benchMutexContended() {
	var mu sync.Mutex
	var wg sync.WaitGroup
	per := nOps / lockTasks
	n := per * lockTasks
	sharedCounter = 0
	c0, t0 := ctxsw(), time.Now()
	wg.Add(lockTasks)
	for k := 0; k < lockTasks; k++ {
		go func() {
			for i := int64(0); i < per; i++ {
				mu.Lock()
				sharedCounter++
				mu.Unlock()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	printRow("mutex_contended", n, time.Since(t0), ctxsw()-c0)
	fmt.Printf(" tasks=%d\n", lockTasks)
	if sharedCounter != n {
		fail("contended counter")
	}
}

var rwSeen int64

func benchRWMutex() {
	var rw sync.RWMutex
	var wg sync.WaitGroup
	per := nOps / lockTasks
	n := per * lockTasks
	sharedCounter = 0
	c0, t0 := ctxsw(), time.Now()
	wg.Add(lockTasks)
	for k := 0; k < lockTasks; k++ {
		go func() {
			seen := int64(0)
			for i := int64(0); i < per; i++ {
				if i%10 == 0 {
					rw.Lock()
					sharedCounter++
					rw.Unlock()
				} else {
					rw.RLock()
					seen += sharedCounter
					rw.RUnlock()
				}
			}
			atomic.AddInt64(&rwSeen, seen)
			wg.Done()
		}()
	}
	wg.Wait()
	printRow("rwmutex", n, time.Since(t0), ctxsw()-c0)
	fmt.Printf(" tasks=%d write_pct=10\n", lockTasks)
	if sharedCounter != lockTasks*((per+9)/10) {
		fail("rwmutex writes")
	}
}

func benchWgFanin() {
	var wg sync.WaitGroup
	c0, t0 := ctxsw(), time.Now()
	wg.Add(int(nOps))
	for i := int64(0); i < nOps; i++ {
		go wg.Done()
	}
	spawned := time.Since(t0)
	wg.Wait()
	printRow("wg_fanin", nOps, time.Since(t0), ctxsw()-c0)
	fmt.Printf(" spawn_ns=%.0f\n", float64(spawned.Nanoseconds())/float64(nOps))
}

// benchCtxCancel: N goroutines in a select on ctx.Done() and a channel
// nobody sends on; the clock runs from cancel() until the last returned.
// Go cannot tell whether a goroutine is parked, so after all have started
// the main goroutine sleeps 50 ms to let them reach the select.
func benchCtxCancel() {
	var started sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	never := make(chan int64)
	allDone, release := make(chan struct{}), make(chan struct{})
	left, wrong := nOps, int64(0)
	started.Add(int(nOps))
	for i := int64(0); i < nOps; i++ {
		go func() {
			started.Done()
			select {
			case <-ctx.Done():
			case <-never:
				atomic.AddInt64(&wrong, 1)
			}
			if atomic.AddInt64(&left, -1) == 0 {
				close(allDone)
			}
			<-release // exit after the clock stopped, as gsched's
		}()
	}
	started.Wait()
	time.Sleep(50 * time.Millisecond)
	c0, t0 := ctxsw(), time.Now()
	cancel()
	tCancelled := time.Since(t0)
	<-allDone
	d := time.Since(t0)
	close(release)
	printRow("ctx_cancel", nOps, d, ctxsw()-c0)
	fmt.Printf(" total_us=%.0f cancel_call_us=%.0f\n",
		float64(d.Nanoseconds())/1e3, float64(tCancelled.Nanoseconds())/1e3)
	if atomic.LoadInt64(&wrong) != 0 {
		fail("a waiter was not cancelled")
	}
}
