# shellcheck shell=bash
# tools/vm/guest-module.sh: sourced by the scripts that install gsched the
# way a user does (tools/dkms-guest, tools/deb-guest) INSIDE the test
# guest. tools/gsched-vm has loaded its freshly built gsched.ko; these
# scripts unload it, install and load the packaged module, and load the
# harness's module again at the end, so that the command can be followed by
# others in the same boot and tools/vm/stage2's rmmod and kernel log check
# still apply. Everything they install lands in the guest's tmpfs overlay
# and is gone with the guest. The sourcing script sets gm_prog (its name)
# and reads gm_failed at the end.
# shellcheck disable=SC2034,SC2154

gm_share=/run/gsched-vm	# tools/vm/stage2's share: only in the guest
gm_failed=0

gm_say() { echo "$gm_prog: $*"; }
gm_fail() { echo "$gm_prog: FAIL: $*"; gm_failed=1; }

# Refuse to run anywhere but in the guest: these scripts install packages
# and load modules as root.
gm_require_guest() {
	if [[ ! -f $gm_share/cmd || ! -d $gm_share/module || $(id -u) != 0 ]]; then
		echo "$gm_prog: runs only inside the test guest, as root:" \
			"tools/gsched-vm -- ${0#"$PWD"/} ..." >&2
		exit 2
	fi
}

# step DESCRIPTION CMD...: run and report one step; false when it failed
gm_step() {
	local what=$1
	shift
	gm_say "$what: $*"
	if "$@"; then
		return 0
	fi
	gm_fail "$what"
	return 1
}

gm_loaded() { [[ -d /sys/module/gsched ]]; }

# the harness's module out of the way (remembered for gm_restore_harness)
gm_unload_harness() {
	gm_harness_ko=
	local f
	for f in "$gm_share"/module/*.ko; do
		[[ -e $f ]] && gm_harness_ko=$f
	done
	if gm_loaded; then
		gm_step "unload the harness's gsched.ko" rmmod gsched || return 1
	fi
	return 0
}

gm_restore_harness() {
	if gm_loaded; then
		gm_step "unload the packaged module" modprobe -r gsched
	fi
	if [[ -n ${gm_harness_ko:-} ]] && ! gm_loaded; then
		gm_step "reload the harness's module" insmod "$gm_harness_ko"
	fi
}

# the module that modprobe would load is the one DKMS built for this kernel
gm_check_dkms_module() {
	local ver=$1 path
	path=$(modinfo -n gsched 2>/dev/null) ||
		{ gm_fail "modinfo: no gsched module for $(uname -r)"; return 1; }
	gm_say "modprobe finds $path"
	[[ $path == /lib/modules/$(uname -r)/updates/dkms/gsched.ko* ||
	   $path == /usr/lib/modules/$(uname -r)/updates/dkms/gsched.ko* ]] ||
		{ gm_fail "$path is not DKMS's (updates/dkms)"; return 1; }
	[[ $(modinfo -F version gsched) == "$ver" ]] ||
		{ gm_fail "the module's version is not $ver"; return 1; }
	[[ $(modinfo -F vermagic gsched) == "$(uname -r) "* ]] ||
		{ gm_fail "the module's vermagic is not $(uname -r)"; return 1; }
}

# load it and run programs against it; @@ is a list of programs to run
gm_smoke() {
	local ver=$1 p
	shift
	gm_step "load the DKMS-built module" modprobe gsched || return 1
	[[ -c /dev/gsched ]] || { gm_fail "no /dev/gsched after modprobe"; return 1; }
	[[ $(cat /sys/kernel/gsched/version 2>/dev/null) == "$ver" ]] ||
		gm_fail "/sys/kernel/gsched/version is not $ver"
	for p in "$@"; do
		# shellcheck disable=SC2086  # a program and its arguments
		gm_step "smoke test" $p
	done
	gm_step "unload it" modprobe -r gsched
}
