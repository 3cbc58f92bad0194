;;! id = "result.dispatch"
;;! guarantee = "RES-02"
;;! since = "0.1.0"
;;! summary = "one module serving alpha, beta and gamma; the call is to gamma"
;;! tool = "gamma"
;;! [package]
;;! tools = ["alpha", "beta", "gamma"]
;;! [expect]
;;! output = { summary = "gamma: third tool" }
;;! min_host_calls = { tool_name_read = 1 }
;; The guest reads the called name and picks the matching result. Calling the last of three tools
;; catches a runtime that always passes the first declared name (or none).
(module
  (import "yoi:tool" "tool_name_len"  (func $tool_name_len  (result i32)))
  (import "yoi:tool" "tool_name_read" (func $tool_name_read (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write"   (func $output_write   (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; Each tool's name, and the result it returns.
  (data (i32.const 0x200) "alpha")
  (data (i32.const 0x220) "{\"summary\":\"alpha: first tool\"}")
  (data (i32.const 0x280) "beta")
  (data (i32.const 0x2a0) "{\"summary\":\"beta: second tool\"}")
  (data (i32.const 0x300) "gamma")
  (data (i32.const 0x320) "{\"summary\":\"gamma: third tool\"}")
  (data (i32.const 0x400) "{\"summary\":\"no such tool\"}")
  ;; Whether the called name (read to 0x100) is the $n bytes at $p.
  (func $is (param $p i32) (param $n i32) (param $len i32) (result i32)
    (local $i i32)
    (if (i32.ne (local.get $n) (local.get $len)) (then (return (i32.const 0))))
    (loop $next
      (if (i32.ge_u (local.get $i) (local.get $n)) (then (return (i32.const 1))))
      (if (i32.ne (i32.load8_u (i32.add (local.get $p) (local.get $i)))
                  (i32.load8_u (i32.add (i32.const 0x100) (local.get $i))))
        (then (return (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))
    (unreachable))
  (func (export "yoi_tool_call")
    (local $len i32)
    (local.set $len (call $tool_name_len))
    (drop (call $tool_name_read (i32.const 0x100) (local.get $len)))
    (if (call $is (i32.const 512) (i32.const 5) (local.get $len))
      (then (drop (call $output_write (i32.const 544) (i32.const 31))) (return)))
    (if (call $is (i32.const 640) (i32.const 4) (local.get $len))
      (then (drop (call $output_write (i32.const 672) (i32.const 31))) (return)))
    (if (call $is (i32.const 768) (i32.const 5) (local.get $len))
      (then (drop (call $output_write (i32.const 800) (i32.const 31))) (return)))
    (drop (call $output_write (i32.const 0x400) (i32.const 26)))))
