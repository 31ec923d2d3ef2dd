// The class page as it opens (its data: the layout route admin.classes.$id.tsx).
import { ClassRouteView } from "~/components/ClassPage.tsx";

export default ClassRouteView;
