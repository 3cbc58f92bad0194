;;! id = "features.wasm2-accepted"
;;! guarantee = "FEAT-02"
;;! since = "0.1.0"
;;! summary = "uses sign extension, saturating conversion, multi-value, bulk memory, funcref tables, SIMD, mutable globals"
;;! [expect]
;;! output = { summary = "every WebAssembly 2.0 feature worked" }
;; Refusing proposals must not take WebAssembly 2.0 with it: toolchains emit all of these by
;; default. Each feature is used and its result checked; the summary says whether every check held.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"every WebAssembly 2.0 feature worked\"}")
  (data (i32.const 64) "{\"summary\":\"a WebAssembly 2.0 feature gave a wrong result\"}")
  ;; Bulk memory: a passive segment.
  (data $word "passive")
  ;; Reference types: a funcref table and a function to put in it.
  (type $ret_i32 (func (result i32)))
  (table $t 2 funcref)
  (elem declare func $seven)
  (func $seven (type $ret_i32) (i32.const 7))
  ;; Multi-value: a function with two results.
  (func $pair (result i32 i32) (i32.const 20) (i32.const 22))
  ;; Mutable global, exported.
  (global $g (export "counter") (mut i32) (i32.const 0))
  (func (export "yoi_tool_call")
    (local $ok i32) (local $v v128)
    (local.set $ok (i32.const 1))
    ;; Sign extension: the byte 0xff is -1.
    (local.set $ok (i32.and (local.get $ok) (i32.eq (i32.extend8_s (i32.const 0xff)) (i32.const -1))))
    ;; Saturating conversion: NaN becomes 0, 1e10 becomes INT32_MAX, without trapping.
    (local.set $ok (i32.and (local.get $ok) (i32.eqz (i32.trunc_sat_f64_s (f64.const nan)))))
    (local.set $ok (i32.and (local.get $ok)
      (i32.eq (i32.trunc_sat_f64_s (f64.const 1e10)) (i32.const 0x7fffffff))))
    ;; Multi-value: two results added; a block that takes a parameter.
    (local.set $ok (i32.and (local.get $ok) (i32.eq (i32.add (call $pair)) (i32.const 42))))
    (local.set $ok (i32.and (local.get $ok)
      (i32.eq (i32.const 41) (block (param i32) (result i32) (i32.const 1) (i32.add)) (i32.const 42))))
    ;; Bulk memory: init from the passive segment, drop it, copy, fill.
    (memory.init $word (i32.const 200) (i32.const 0) (i32.const 7))
    (data.drop $word)
    (memory.copy (i32.const 300) (i32.const 200) (i32.const 7))
    (memory.fill (i32.const 307) (i32.const 33) (i32.const 1))
    ;; "pass" little-endian, then "ive!".
    (local.set $ok (i32.and (local.get $ok) (i32.eq (i32.load (i32.const 300)) (i32.const 0x73736170))))
    (local.set $ok (i32.and (local.get $ok) (i32.eq (i32.load (i32.const 304)) (i32.const 0x21657669))))
    ;; Reference types (funcref; externref has its own case): null checks, table.set/get,
    ;; call_indirect, table.grow within the cap.
    (local.set $ok (i32.and (local.get $ok) (ref.is_null (table.get $t (i32.const 0)))))
    (table.set $t (i32.const 1) (ref.func $seven))
    (local.set $ok (i32.and (local.get $ok)
      (i32.eq (call_indirect $t (type $ret_i32) (i32.const 1)) (i32.const 7))))
    (local.set $ok (i32.and (local.get $ok)
      (i32.eq (table.grow $t (ref.null func) (i32.const 2)) (i32.const 2))))
    (local.set $ok (i32.and (local.get $ok) (i32.eq (table.size $t) (i32.const 4))))
    ;; SIMD: lane-wise add, then read a lane back.
    (local.set $v (i32x4.add (v128.const i32x4 1 2 3 4) (v128.const i32x4 10 20 30 40)))
    (local.set $ok (i32.and (local.get $ok) (i32.eq (i32x4.extract_lane 3 (local.get $v)) (i32.const 44))))
    ;; Mutable global.
    (global.set $g (i32.const 5))
    (local.set $ok (i32.and (local.get $ok) (i32.eq (global.get $g) (i32.const 5))))
    (if (local.get $ok)
      (then (drop (call $output_write (i32.const 0) (i32.const 50))))
      (else (drop (call $output_write (i32.const 64) (i32.const 59)))))))
