;;! id = "errors.import-denied-capped"
;;! guarantee = "ERR-03"
;;! since = "0.1.0"
;;! summary = "twenty forbidden imports: details name only the first sixteen"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["env::f01", "env::f02", "env::f03", "env::f04", "env::f05", "env::f06", "env::f07", "env::f08", "env::f09", "env::f10", "env::f11", "env::f12", "env::f13", "env::f14", "env::f15", "env::f16"], count = 20 }
;; A module can have thousands of imports; the details of import_denied stay bounded by listing the
;; first 16 in import order.
(module
  ;; Twenty imports from env, all denied.
  (import "env" "f01" (func))
  (import "env" "f02" (func))
  (import "env" "f03" (func))
  (import "env" "f04" (func))
  (import "env" "f05" (func))
  (import "env" "f06" (func))
  (import "env" "f07" (func))
  (import "env" "f08" (func))
  (import "env" "f09" (func))
  (import "env" "f10" (func))
  (import "env" "f11" (func))
  (import "env" "f12" (func))
  (import "env" "f13" (func))
  (import "env" "f14" (func))
  (import "env" "f15" (func))
  (import "env" "f16" (func))
  (import "env" "f17" (func))
  (import "env" "f18" (func))
  (import "env" "f19" (func))
  (import "env" "f20" (func))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))
