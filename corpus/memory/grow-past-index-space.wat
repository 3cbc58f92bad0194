;;! id = "memory.grow-past-index-space"
;;! guarantee = "MEM-02"
;;! since = "0.1.0"
;;! summary = "memory.grow by 0xBFFFFFFF pages (past the 4 GiB a 32-bit memory can address) of a memory with no declared maximum"
;;! endless = true
;;! [expect]
;;! code = "memory_limit"
;;! min_host_calls = { input_len = 1 }
;; Found by `cargo xtask fuzz --differential` (seed 976): an engine that refuses a delta past the
;; 32-bit index space before asking its resource limiter (wasmi does) returns -1 and the guest goes
;; on. SPEC section 6: only a maximum the module itself declares below 4 GiB makes growth past it
;; return -1; every other growth past the cap, however large, fails the call with memory_limit.
(module
  (import "yoi:tool" "input_len"    (func $input_len    (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"memory.grow returned -1\"}")
  (data (i32.const 64) "{\"summary\":\"grew past 4 GiB\"}")
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    (if (i32.eq (memory.grow (i32.const -1073741825)) (i32.const -1))
      (then (drop (call $output_write (i32.const 0) (i32.const 37))))
      (else (drop (call $output_write (i32.const 64) (i32.const 29)))))))
