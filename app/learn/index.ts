/** Learn mode's entry points for the app shell: the mode switch, the mode hook and the lessons. */
import './learn.css';

export { LearnMode } from './LearnMode';
export { ModeSwitch } from './ModeSwitch';
export { useAppMode } from './route';
