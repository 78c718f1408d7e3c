// SPDX-License-Identifier: GPL-2.0
/* gsched: instantiate the tracepoints declared in trace.h. */
#include "gsched.h"

#define CREATE_TRACE_POINTS
#include "trace.h"
