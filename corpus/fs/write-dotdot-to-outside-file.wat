;;! id = "fs.write-dotdot-to-outside-file"
;;! guarantee = "FS-02"
;;! since = "0.2.0"
;;! summary = "writes ../outside/canary.txt"
;;! profile = "component"
;;! capabilities = ["host_api_fs"]
;;! input = "{\"path\":\"../outside/canary.txt\",\"content\":\"pwned\"}"
;;! [package]
;;! host_apis = ["fs"]
;;! [grants]
;;! apis = ["fs"]
;;! fs_operations = ["write"]
;;! [fs]
;;! [[fs.entry]]
;;! path = "a.txt"
;;! text = "hello"
;;! [expect]
;;! code = "host_api_denied"
;;! details = { interface = "fs", operation = "write", reason = "escape" }
;; Catches a runtime that refuses `..` for reads only: the existing canary outside would be
;; overwritten, which the kit sees in its snapshot of the outside tree.
;; The guest: `call` hands its input-json to fs.write as the request and returns
;; {"summary": <the answer's length in bytes>, "content": <the answer>} (the answer's last 256
;; bytes when it is longer than 8192), so the case compares the host's exact answer.
(component
  (import "yoi:host/fs@1.0.0" (instance $host
    (export "write" (func (param "request-json" string) (result string)))))
  (alias export $host "write" (func $host-fn))
  ;; The shim: an indirect call through a table the fixup fills once the lowered import exists.
  (core module $shim
    (type $t (func (param i32 i32 i32)))
    (table (export "$imports") 1 1 funcref)
    (func (export "0") (type $t)
      (call_indirect (type $t) (local.get 0) (local.get 1) (local.get 2) (i32.const 0))))
  (core instance $shim-i (instantiate $shim))
  (alias core export $shim-i "0" (core func $shim-fn))
  (alias core export $shim-i "$imports" (core table $shim-table))
  (core instance $host-i (export "write" (func $shim-fn)))
  (core module $m
    (import "yoi:host/fs@1.0.0" "write" (func $op (param i32 i32 i32)))
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    ;; realloc(old_ptr, old_size, align, new_size) -> ptr: a bump allocator that grows memory.
    (func $alloc (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32) (local $end i32) (local $have i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.const 7)) (i32.const -8)))
      (local.set $end (i32.add (local.get $p) (local.get 3)))
      (local.set $have (i32.shl (memory.size) (i32.const 16)))
      (if (i32.gt_u (local.get $end) (local.get $have))
        (then
          (if (i32.eq (memory.grow (i32.shr_u
                (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535))
                (i32.const 16))) (i32.const -1))
            (then unreachable))))
      (global.set $bump (local.get $end))
      (local.get $p))
    (func $copy (param $at i32) (param $src i32) (param $n i32) (result i32)
      (memory.copy (local.get $at) (local.get $src) (local.get $n))
      (i32.add (local.get $at) (local.get $n)))
    ;; The output object around the answer at ($rp, $rl), `"` and `\` escaped.
    (func $format (param $rp i32) (param $rl i32) (result i32)
      (local $out i32) (local $at i32) (local $i i32) (local $c i32) (local $d i32) (local $n i32)
      (local.set $out (call $alloc (i32.const 0) (i32.const 0) (i32.const 1)
        (i32.add (i32.shl (local.get $rl) (i32.const 1)) (i32.const 128))))
      (local.set $at (call $copy (local.get $out) (i32.const 16) (i32.const 12)))
      (local.set $n (local.get $rl))
      (local.set $d (i32.const 80))
      (loop $digit
        (local.set $d (i32.sub (local.get $d) (i32.const 1)))
        (i32.store8 (local.get $d) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
        (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
        (br_if $digit (local.get $n)))
      (local.set $at (call $copy (local.get $at) (local.get $d) (i32.sub (i32.const 80) (local.get $d))))
      (local.set $at (call $copy (local.get $at) (i32.const 32) (i32.const 13)))
      (local.set $i (select (i32.sub (local.get $rl) (i32.const 256)) (i32.const 0)
        (i32.gt_u (local.get $rl) (i32.const 8192))))
      (block $done
        (loop $byte
          (br_if $done (i32.ge_u (local.get $i) (local.get $rl)))
          (local.set $c (i32.load8_u (i32.add (local.get $rp) (local.get $i))))
          (if (i32.or (i32.eq (local.get $c) (i32.const 34)) (i32.eq (local.get $c) (i32.const 92)))
            (then
              (i32.store8 (local.get $at) (i32.const 92))
              (local.set $at (i32.add (local.get $at) (i32.const 1)))))
          (i32.store8 (local.get $at) (local.get $c))
          (local.set $at (i32.add (local.get $at) (i32.const 1)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $byte)))
      (local.set $at (call $copy (local.get $at) (i32.const 48) (i32.const 2)))
      (i32.store (i32.const 0) (local.get $out))
      (i32.store (i32.const 4) (i32.sub (local.get $at) (local.get $out)))
      (i32.const 0))
    ;; call(tool_ptr, tool_len, input_ptr, input_len) -> pointer to (ptr, len)
    (func (export "call") (param $tp i32) (param $tl i32) (param $ip i32) (param $il i32) (result i32)
      (local $mark i32)
      ;; Past the lowered arguments: a loop reuses the memory from here on.
      (local.set $mark (global.get $bump))
    (call $op (local.get $ip) (local.get $il) (i32.const 8))
    (call $format (i32.load (i32.const 8)) (i32.load (i32.const 12))))
    (data (i32.const 16) "{\22summary\22:\22")
    (data (i32.const 32) "\22,\22content\22:\22")
    (data (i32.const 48) "\22}"))
  (core instance $i (instantiate $m (with "yoi:host/fs@1.0.0" (instance $host-i))))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (core func $lowered (canon lower (func $host-fn) (memory $mem) (realloc $realloc) string-encoding=utf8))
  ;; The fixup: puts the lowered import into the shim's table.
  (core module $fixup
    (type $t (func (param i32 i32 i32)))
    (import "" "0" (func (type $t)))
    (import "" "$imports" (table 1 1 funcref))
    (elem (i32.const 0) func 0))
  (core instance $fixup-args (export "0" (func $lowered)) (export "$imports" (table $shim-table)))
  (core instance (instantiate $fixup (with "" (instance $fixup-args))))
  (alias core export $i "call" (core func $call))
  (type $call-t (func (param "tool-name" string) (param "input-json" string) (result string)))
  (func (export "call") (type $call-t)
    (canon lift (core func $call) (memory $mem) (realloc $realloc)))
)
