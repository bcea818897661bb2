/** Reverie's mark: a crescent moon with a small spark, drawn in the accent colours. */
export function Mark({ size = 24, className }: { size?: number; className?: string }) {
  return (
    <svg
      className={className ? `mark ${className}` : "mark"}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      aria-hidden="true"
      focusable="false"
    >
      <path className="mark-moon" d="M11.39 3.02A9 9 0 1 0 20.63 14.57A7.5 7.5 0 0 1 11.39 3.02Z" />
      <path
        className="mark-spark"
        d="M18.5 1.75Q18.85 4.65 21.75 5Q18.85 5.35 18.5 8.25Q18.15 5.35 15.25 5Q18.15 4.65 18.5 1.75Z"
      />
    </svg>
  );
}
