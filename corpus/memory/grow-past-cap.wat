;;! id = "memory.grow-past-cap"
;;! guarantee = "MEM-02"
;;! since = "0.1.0"
;;! summary = "memory.grow from 1 to 33 pages, one page over the cap"
;;! separates_up_to = { memory_bytes = 2162687 }
;;! [expect]
;;! code = "memory_limit"
;;! min_host_calls = { input_len = 1 }
;; Wasm lets memory.grow return -1 and continue; this ABI makes growth past the cap fail the call
;; with memory_limit, so a guest cannot probe the host's limits and carry on.
(module
  (import "yoi:tool" "input_len"    (func $input_len    (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; What the guest returns if it survives its growth: either way, not memory_limit.
  (data (i32.const 0) "{\"summary\":\"grew past the cap\"}")
  (data (i32.const 64) "{\"summary\":\"memory.grow returned -1\"}")
  (func (export "yoi_tool_call")
    (local $r i32)
    (drop (call $input_len))
    ;; 1 + 32 pages = 2 MiB + 64 KiB.
    (local.set $r (memory.grow (i32.const 32)))
    (if (i32.eq (local.get $r) (i32.const -1))
      (then (drop (call $output_write (i32.const 64) (i32.const 37))))
      (else (drop (call $output_write (i32.const 0) (i32.const 31)))))))
