;;! id = "output.first-failure-out-of-bounds"
;;! guarantee = "OUT-02"
;;! since = "0.1.0"
;;! summary = "output_bytes = 64: an out-of-bounds write fails, then an over-cap write fails, then a valid write"
;;! separates_up_to = { output_bytes = 64 }
;;! [limits]
;;! output_bytes = 64
;;! [expect]
;;! code = "abi_violation"
;;! min_host_calls = { output_write = 3 }
;;! min_host_call_failures = { output_write = 2 }
;; Two failed writes with different codes: the first failure is the one reported (SPEC section 4).
;; A runtime that keeps the latest failure answers output_too_large; one that keeps none answers
;; with the valid third write. output.first-failure-over-cap is the same pair the other way round,
;; so a runtime that prefers one code over the other fails one of the two. Above a 64-byte cap
;; the second write no longer fails, and first-versus-last goes unseen: `separates_up_to`.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"valid after two failures\"}")
  (func (export "yoi_tool_call")
    ;; 16 bytes at 0x20000, past the one-page memory, length within the cap: abi_violation.
    (drop (call $output_write (i32.const 0x20000) (i32.const 16)))
    ;; 65 bytes from 0, inside memory but one over the 64-byte cap: output_too_large.
    (drop (call $output_write (i32.const 0) (i32.const 65)))
    (drop (call $output_write (i32.const 0) (i32.const 38)))))
