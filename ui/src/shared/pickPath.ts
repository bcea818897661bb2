import { toAppError } from "../ipc";

/**
 * Asks for a file or folder with `pick`. Null when none was picked, or when asking failed,
 * in which case the failure is shown as an error notice with `show`.
 */
export async function pickPath(
  pick: () => Promise<string | null>,
  show: (notice: { tone: "error"; text: string }) => void,
): Promise<string | null> {
  try {
    return await pick();
  } catch (err) {
    show({ tone: "error", text: toAppError(err).message });
    return null;
  }
}
