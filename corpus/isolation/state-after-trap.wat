;;! id = "isolation.state-after-trap"
;;! guarantee = "ISO-01"
;;! since = "0.1.0"
;;! summary = "counts calls in a global, traps with unreachable on the first, three calls"
;;! repeat = 3
;;! [expect]
;;! code = "trap"
;;! details = { trap = "unreachable" }
;; Every call is the first call of its instance, so every call traps with unreachable. An instance
;; reused after a failed call sees the count 2 and traps differently (divide by zero).
(module
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (func (export "yoi_tool_call")
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    ;; First call of this instance.
    (if (i32.eq (global.get $calls) (i32.const 1)) (then (unreachable)))
    ;; Only a reused instance gets here.
    (drop (i32.div_u (global.get $calls) (i32.const 0)))))
