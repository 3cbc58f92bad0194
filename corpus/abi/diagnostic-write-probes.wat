;;! id = "abi.diagnostic-write-probes"
;;! guarantee = "ABI-03"
;;! since = "0.1.0"
;;! summary = "diagnostic_write with negative len, negative ptr, past the end and wrapping; then at the edge"
;;! capabilities = ["diagnostics"]
;;! [expect]
;;! output = { summary = "neg-len - neg-ptr - past-end - wrap - edge +" }
;;! min_host_call_failures = { diagnostic_write = 4 }
;;! diagnostics = "at the end of memory"
;; Each bad write must return -1 and add nothing to the diagnostics; the call goes on. The last
;; write ends exactly at the end of memory and must succeed, so the operator sink holds exactly its
;; text: any byte from a bad write (a partial copy, say) would show there.
(module
  (import "yoi:tool" "diagnostic_write" (func $diagnostic_write (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write"     (func $output_write     (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The summary template; each '?' becomes '-' (returned -1) or '+' (accepted).
  (data (i32.const 0x2000) "{\"summary\":\"neg-len ? neg-ptr ? past-end ? wrap ? edge ?\"}")
  ;; The diagnostic text, ending exactly at the end of memory (0x10000 - 20).
  (data (i32.const 0xffec) "at the end of memory")
  (func $mark (param $at i32) (param $r i32) (param $want i32)
    (i32.store8 (local.get $at)
      (select (i32.const 45) (i32.const 43) (i32.eq (local.get $r) (i32.const -1))))
    (if (i32.ne (i32.load8_u (local.get $at)) (local.get $want))
      (then (i32.store8 (local.get $at) (i32.const 63)))))
  (func (export "yoi_tool_call")
    (call $mark (i32.const 8212) (call $diagnostic_write (i32.const 0x2000) (i32.const -1)) (i32.const 45))
    (call $mark (i32.const 8222) (call $diagnostic_write (i32.const -1) (i32.const 8)) (i32.const 45))
    (call $mark (i32.const 8233)
      (call $diagnostic_write (i32.const 65517) (i32.const 20)) (i32.const 45))
    (call $mark (i32.const 8240) (call $diagnostic_write (i32.const 0xfffffff0) (i32.const 0x20)) (i32.const 45))
    (call $mark (i32.const 8247)
      (call $diagnostic_write (i32.const 65516) (i32.const 20)) (i32.const 43))
    (drop (call $output_write (i32.const 0x2000) (i32.const 58)))))
