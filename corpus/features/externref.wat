;;! id = "features.externref"
;;! guarantee = "FEAT-01"
;;! since = "0.1.0"
;;! summary = "uses externref (a local, a table, ref.null, ref.is_null, table.set, table.get): refused"
;;! [expect]
;;! code = "module_invalid"
;; externref belongs to the reference-types feature of WebAssembly 2.0, but holding host references
;; needs a garbage-collecting runtime, and ABI v1 gives a guest no host reference to hold: it is
;; refused (docs/SPEC.md section 3), while funcref tables stay allowed (features.wasm2-accepted).
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"externref worked\"}")
  (data (i32.const 64) "{\"summary\":\"externref gave a wrong result\"}")
  (table $refs 2 externref)
  (func (export "yoi_tool_call")
    (local $e externref) (local $ok i32)
    ;; A fresh externref local is null; so is every slot of a fresh externref table.
    (local.set $ok (ref.is_null (local.get $e)))
    (table.set $refs (i32.const 1) (ref.null extern))
    (local.set $ok (i32.and (local.get $ok) (ref.is_null (table.get $refs (i32.const 1)))))
    (local.set $ok (i32.and (local.get $ok) (i32.eq (table.size $refs) (i32.const 2))))
    (if (local.get $ok)
      (then (drop (call $output_write (i32.const 0) (i32.const 30))))
      (else (drop (call $output_write (i32.const 64) (i32.const 43)))))))
